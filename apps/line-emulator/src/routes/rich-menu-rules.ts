import { ErrorDetail, LineErrorBody } from '../spec/message-validator';

interface MenuBody {
  size?: { width?: number; height?: number };
  selected?: unknown;
  name?: unknown;
  chatBarText?: unknown;
  areas?: { bounds?: { x: number; y: number; width: number; height: number } }[];
}

const MAX_AREAS = 20;

/**
 * LINE's rules for a rich menu that the OpenAPI document leaves out: every top-level field is
 * required, the image is 800–2500 px wide, at least 250 px high with a width/height ratio of at
 * least 1.45, at most 20 areas, and areas inside the image.
 */
export function richMenuRuleErrors(body: unknown): LineErrorBody | null {
  const m = body as MenuBody;
  const details: ErrorDetail[] = [];
  for (const field of ['size', 'selected', 'name', 'chatBarText', 'areas'] as const) {
    if (m[field] === undefined) details.push({ message: 'must be specified', property: field });
  }
  const w = m.size?.width;
  const h = m.size?.height;
  if (w !== undefined && h !== undefined) {
    if (w < 800 || w > 2500) details.push({ message: 'must be between 800 and 2500', property: 'size.width' });
    if (h < 250) details.push({ message: 'must be at least 250', property: 'size.height' });
    if (w / h < 1.45) details.push({ message: 'width/height ratio must be at least 1.45', property: 'size' });
  }
  const areas = m.areas ?? [];
  if (areas.length > MAX_AREAS) details.push({ message: `Size must be at most ${MAX_AREAS}`, property: 'areas' });
  areas.forEach((a, i) => {
    const b = a.bounds;
    if (b === undefined) {
      details.push({ message: 'must be specified', property: `areas[${i}].bounds` });
    } else if (w !== undefined && h !== undefined && (b.x + b.width > w || b.y + b.height > h)) {
      details.push({ message: 'bounds must lie inside the rich menu', property: `areas[${i}].bounds` });
    }
  });
  return details.length === 0 ? null : { message: `The request body has ${details.length} error(s)`, details };
}
