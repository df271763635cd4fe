export interface Prefecture {
  /** JIS X 0401 code. */
  code: number;
  name: string;
  romaji: string;
  region: Region;
}

export enum Region {
  Hokkaido = 'hokkaido',
  Tohoku = 'tohoku',
  Kanto = 'kanto',
  Chubu = 'chubu',
  Kinki = 'kinki',
  Chugoku = 'chugoku',
  Shikoku = 'shikoku',
  Kyushu = 'kyushu',
}

/** Each region is a contiguous range of JIS codes, so SQL can filter with BETWEEN. */
export const REGION_CODE_RANGES: Record<Region, [number, number]> = {
  [Region.Hokkaido]: [1, 1],
  [Region.Tohoku]: [2, 7],
  [Region.Kanto]: [8, 14],
  [Region.Chubu]: [15, 23],
  [Region.Kinki]: [24, 30],
  [Region.Chugoku]: [31, 35],
  [Region.Shikoku]: [36, 39],
  [Region.Kyushu]: [40, 47],
};

const NAMES: Array<[string, string]> = [
  ['北海道', 'hokkaido'],
  ['青森県', 'aomori'],
  ['岩手県', 'iwate'],
  ['宮城県', 'miyagi'],
  ['秋田県', 'akita'],
  ['山形県', 'yamagata'],
  ['福島県', 'fukushima'],
  ['茨城県', 'ibaraki'],
  ['栃木県', 'tochigi'],
  ['群馬県', 'gunma'],
  ['埼玉県', 'saitama'],
  ['千葉県', 'chiba'],
  ['東京都', 'tokyo'],
  ['神奈川県', 'kanagawa'],
  ['新潟県', 'niigata'],
  ['富山県', 'toyama'],
  ['石川県', 'ishikawa'],
  ['福井県', 'fukui'],
  ['山梨県', 'yamanashi'],
  ['長野県', 'nagano'],
  ['岐阜県', 'gifu'],
  ['静岡県', 'shizuoka'],
  ['愛知県', 'aichi'],
  ['三重県', 'mie'],
  ['滋賀県', 'shiga'],
  ['京都府', 'kyoto'],
  ['大阪府', 'osaka'],
  ['兵庫県', 'hyogo'],
  ['奈良県', 'nara'],
  ['和歌山県', 'wakayama'],
  ['鳥取県', 'tottori'],
  ['島根県', 'shimane'],
  ['岡山県', 'okayama'],
  ['広島県', 'hiroshima'],
  ['山口県', 'yamaguchi'],
  ['徳島県', 'tokushima'],
  ['香川県', 'kagawa'],
  ['愛媛県', 'ehime'],
  ['高知県', 'kochi'],
  ['福岡県', 'fukuoka'],
  ['佐賀県', 'saga'],
  ['長崎県', 'nagasaki'],
  ['熊本県', 'kumamoto'],
  ['大分県', 'oita'],
  ['宮崎県', 'miyazaki'],
  ['鹿児島県', 'kagoshima'],
  ['沖縄県', 'okinawa'],
];

function regionOf(code: number): Region {
  for (const [region, [from, to]] of Object.entries(REGION_CODE_RANGES) as Array<[Region, [number, number]]>) {
    if (code >= from && code <= to) return region;
  }
  throw new Error(`No region for prefecture ${code}`);
}

/** The 47 prefectures in JIS order (index = code − 1). */
export const PREFECTURES: readonly Prefecture[] = NAMES.map(([name, romaji], i) => ({
  code: i + 1,
  name,
  romaji,
  region: regionOf(i + 1),
}));

const byKey = new Map<string, Prefecture>();
for (const p of PREFECTURES) {
  byKey.set(p.name, p);
  // 東京, 大阪, 京都, 神奈川…: the name without 都/府/県 (北海道 keeps its name).
  if (p.code !== 1) byKey.set(p.name.slice(0, -1), p);
  byKey.set(p.romaji, p);
  byKey.set(`${p.romaji}-${p.code === 13 ? 'to' : p.code === 26 || p.code === 27 ? 'fu' : 'ken'}`, p);
  byKey.set(String(p.code), p);
  byKey.set(String(p.code).padStart(2, '0'), p);
}

/** A JIS code (13, "13"), a Japanese name (東京都, 東京) or a romaji name (Tokyo, tokyo-to). */
export function findPrefecture(value: unknown): Prefecture | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? PREFECTURES[value - 1] : undefined;
  if (typeof value !== 'string') return undefined;
  return byKey.get(value.trim().toLowerCase());
}
