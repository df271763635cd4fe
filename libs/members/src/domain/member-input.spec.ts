import { AttributeType } from '../entities/attribute-definition.entity';
import { CORE_FIELDS, mergePatches, parseMember } from './member-input';

const options = { attributeTypes: new Map([['visits', AttributeType.Number]]), today: '2026-05-01' };

describe('parseMember', () => {
  it('marks only the named fields, null included', () => {
    const r = parseMember({ externalId: 'm', gender: '女性', occupation: null }, options);
    if (!r.ok) throw new Error('expected ok');
    expect(r.value.gender).toBe('female');
    expect(r.value.mask).toBe((1 << CORE_FIELDS.indexOf('gender')) | (1 << CORE_FIELDS.indexOf('occupation')));
  });

  it('converts CSV text and skips empty cells', () => {
    const r = parseMember(
      {
        externalId: 'm',
        pointsBalance: '120',
        marketingConsent: 'yes',
        prefecture: '27',
        postalCode: '',
        attributes: { visits: '4' },
      },
      { ...options, fromText: true },
    );
    expect(r).toEqual({
      ok: true,
      value: expect.objectContaining({
        pointsBalance: 120,
        marketingConsent: true,
        prefectureCode: 27,
        postalCode: null,
        attributes: { visits: 4 },
      }),
    });
  });

  it('refuses a birth date after today in the workspace zone', () => {
    const r = parseMember({ externalId: 'm', birthDate: '2026-05-02' }, options);
    expect(r.ok ? [] : r.errors).toEqual([{ field: 'birthDate', reason: 'must be between 1900-01-01 and today' }]);
  });

  it('merges two records of one member, later fields winning', () => {
    const a = parseMember({ externalId: 'm', firstName: 'A', lastName: 'B' }, options);
    const b = parseMember({ externalId: 'm', firstName: 'C' }, options);
    if (!a.ok || !b.ok) throw new Error('expected ok');
    expect(mergePatches(a.value, b.value)).toMatchObject({ firstName: 'C', lastName: 'B' });
  });
});
