import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { JsonObject, loadSpec, resolveDiscriminators } from './spec-loader';

export interface ErrorDetail {
  message: string;
  property: string;
}

/** LINE's 400 body for a request body that breaks the schema. */
export interface LineErrorBody {
  message: string;
  details?: ErrorDetail[];
}

/** OpenAPI formats that ajv-formats does not know and LINE does not police. */
const OPENAPI_NUMBER_FORMATS = ['int32', 'int64', 'float', 'double', 'binary', 'byte'];

export function createSpecAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  for (const f of OPENAPI_NUMBER_FORMATS) ajv.addFormat(f, true);
  // messaging-api.yml spells a pattern as a format once (insight `date`).
  ajv.addFormat('^[0-9]{8}$', /^[0-9]{8}$/);
  return ajv;
}

/** `/messages/0/text` → `messages[0].text`, LINE's way of naming a property. */
export const toProperty = (pointer: string, extra?: string): string => {
  const parts = pointer.split('/').filter((p) => p !== '');
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
};

function detailOf(e: ErrorObject): ErrorDetail | null {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { message: 'must be specified', property: toProperty(e.instancePath, String(p.missingProperty)) };
    case 'maxItems':
    case 'minItems':
      return {
        message: `Size must be ${e.keyword === 'maxItems' ? 'at most' : 'at least'} ${String(p.limit)}`,
        property: toProperty(e.instancePath),
      };
    case 'maxLength':
    case 'minLength':
      return {
        message: `Length must be ${e.keyword === 'maxLength' ? 'at most' : 'at least'} ${String(p.limit)}`,
        property: toProperty(e.instancePath),
      };
    case 'enum':
      return {
        message: `must be one of the following values: [${(p.allowedValues as unknown[]).join(', ')}]`,
        property: toProperty(e.instancePath),
      };
    case 'if':
      return null; // the failing `then` branch already says what is wrong
    default:
      return { message: e.message ?? 'invalid', property: toProperty(e.instancePath) };
  }
}

/** Maps ajv errors to LINE's body: one detail per problem, deduplicated, in document order. */
export function lineErrors(errors: ErrorObject[]): LineErrorBody {
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  for (const e of errors) {
    const d = detailOf(e);
    if (d === null) continue;
    const key = `${d.property}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    details.push(d);
  }
  return { message: `The request body has ${details.length} error(s)`, details };
}

export const MAX_TEXT_LENGTH = 5000;

/**
 * Validators compiled once at start-up from messaging-api.yml (only the request bodies the
 * emulator accepts), plus LINE's rules that the document does not carry (text length).
 */
export class SpecValidators {
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(specDir: string) {
    const ajv = createSpecAjv();
    const messaging = resolveDiscriminators(loadSpec(specDir, 'messaging-api.yml'));
    const audience = resolveDiscriminators(loadSpec(specDir, 'manage-audience.yml'));
    ajv.addSchema({ $id: 'messaging', components: messaging.components as JsonObject });
    ajv.addSchema({ $id: 'audience', components: audience.components as JsonObject });
    for (const name of [
      'PushMessageRequest',
      'MulticastRequest',
      'ReplyMessageRequest',
      'BroadcastRequest',
      'NarrowcastRequest',
      'RichMenuRequest',
      'CreateRichMenuAliasRequest',
      'UpdateRichMenuAliasRequest',
      'RichMenuBulkLinkRequest',
      'RichMenuBulkUnlinkRequest',
      'ValidateMessageRequest',
    ]) {
      this.compiled.set(name, ajv.compile({ $ref: `messaging#/components/schemas/${name}` }));
    }
    for (const name of ['CreateAudienceGroupRequest', 'AddAudienceToAudienceGroupRequest']) {
      this.compiled.set(name, ajv.compile({ $ref: `audience#/components/schemas/${name}` }));
    }
  }

  /** null when valid, else LINE's 400 body. */
  check(schema: string, body: unknown): LineErrorBody | null {
    const validate = this.compiled.get(schema);
    if (validate === undefined) throw new Error(`no validator for ${schema}`);
    if (!validate(body)) return lineErrors(validate.errors ?? []);
    const messages = (body as { messages?: unknown }).messages;
    return Array.isArray(messages) ? checkTextLengths(messages) : null;
  }
}

function checkTextLengths(messages: unknown[]): LineErrorBody | null {
  let details: ErrorDetail[] | undefined;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as { type?: string; text?: string };
    if ((m.type === 'text' || m.type === 'textV2') && typeof m.text === 'string' && m.text.length > MAX_TEXT_LENGTH) {
      (details ??= []).push({ message: `Length must be at most ${MAX_TEXT_LENGTH}`, property: `messages[${i}].text` });
    }
  }
  return details === undefined ? null : { message: `The request body has ${details.length} error(s)`, details };
}
