import { recipientsOf } from './claim-lists';

describe('recipientsOf (a claimed batch’s recipients and their LINE users)', () => {
  it('matches a range scan to the recipients: reachable, not following, not linked', () => {
    const r = recipientsOf({
      memberIdList: '10,11,13,14',
      dense: true,
      lineUserIdList: null,
      skipList: null,
      // 12 is linked but not a recipient; 13 is linked but not following; 14 has no LINE user. The
      // range scan's lists come in no particular order (only the same one for both).
      rangeMemberList: '12,13,10,11',
      rangeLineUserList: 'Uc,,Ua,Ub',
    });
    expect(r.memberIds).toEqual(['10', '11', '13', '14']);
    expect(r.recipients).toEqual([
      { memberId: '10', lineUserId: 'Ua', skip: null },
      { memberId: '11', lineUserId: 'Ub', skip: null },
      { memberId: '13', lineUserId: null, skip: 'not_following' },
      { memberId: '14', lineUserId: null, skip: 'not_linked' },
    ]);
  });

  it('treats a span with no LINE users at all as nobody linked', () => {
    const r = recipientsOf({
      memberIdList: '5,6',
      dense: true,
      lineUserIdList: null,
      skipList: null,
      rangeMemberList: null,
      rangeLineUserList: null,
    });
    expect(r.recipients.map((x) => x.skip)).toEqual(['not_linked', 'not_linked']);
  });

  it('takes probed lists position by position', () => {
    const r = recipientsOf({
      memberIdList: '1,500,9000',
      dense: false,
      lineUserIdList: 'Ua,,',
      skipList: ',not_following,not_linked',
      rangeMemberList: null,
      rangeLineUserList: null,
    });
    expect(r.recipients).toEqual([
      { memberId: '1', lineUserId: 'Ua', skip: null },
      { memberId: '500', lineUserId: null, skip: 'not_following' },
      { memberId: '9000', lineUserId: null, skip: 'not_linked' },
    ]);
  });
});
