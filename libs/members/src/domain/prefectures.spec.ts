import { findPrefecture, PREFECTURES, Region } from './prefectures';

describe('prefectures', () => {
  it('has the 47 in JIS order', () => {
    expect(PREFECTURES).toHaveLength(47);
    expect(PREFECTURES[12]).toEqual({ code: 13, name: '東京都', romaji: 'tokyo', region: Region.Kanto });
    expect(PREFECTURES[46].region).toBe(Region.Kyushu);
  });

  it.each([13, '13', '東京都', '東京', 'Tokyo', 'tokyo-to', ' TOKYO '])('finds Tokyo from %p', (v) => {
    expect(findPrefecture(v)?.code).toBe(13);
  });

  it('finds Hokkaido, Osaka-fu and Kyoto', () => {
    expect(findPrefecture('北海道')?.code).toBe(1);
    expect(findPrefecture('osaka-fu')?.code).toBe(27);
    expect(findPrefecture('京都')?.region).toBe(Region.Kinki);
  });

  it.each([0, 48, 1.5, 'Atlantis', '', null])('rejects %p', (v) => {
    expect(findPrefecture(v)).toBeUndefined();
  });
});
