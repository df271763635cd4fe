/**
 * Japan's 47 prefectures (JIS X 0401 order) and the region groups a rule can name with
 * `{ "attr": "region", "op": "in", "value": ["tokyo_area"] }`. The eight regions are the
 * conventional 八地方区分; the two "areas" are the commercial groupings marketers use
 * (一都三県 and 京阪神 + Nara).
 */
export interface Prefecture {
  code: number;
  slug: string;
  name: string;
}

export const PREFECTURES: readonly Prefecture[] = [
  ['01', 'hokkaido', '北海道'],
  ['02', 'aomori', '青森県'],
  ['03', 'iwate', '岩手県'],
  ['04', 'miyagi', '宮城県'],
  ['05', 'akita', '秋田県'],
  ['06', 'yamagata', '山形県'],
  ['07', 'fukushima', '福島県'],
  ['08', 'ibaraki', '茨城県'],
  ['09', 'tochigi', '栃木県'],
  ['10', 'gunma', '群馬県'],
  ['11', 'saitama', '埼玉県'],
  ['12', 'chiba', '千葉県'],
  ['13', 'tokyo', '東京都'],
  ['14', 'kanagawa', '神奈川県'],
  ['15', 'niigata', '新潟県'],
  ['16', 'toyama', '富山県'],
  ['17', 'ishikawa', '石川県'],
  ['18', 'fukui', '福井県'],
  ['19', 'yamanashi', '山梨県'],
  ['20', 'nagano', '長野県'],
  ['21', 'gifu', '岐阜県'],
  ['22', 'shizuoka', '静岡県'],
  ['23', 'aichi', '愛知県'],
  ['24', 'mie', '三重県'],
  ['25', 'shiga', '滋賀県'],
  ['26', 'kyoto', '京都府'],
  ['27', 'osaka', '大阪府'],
  ['28', 'hyogo', '兵庫県'],
  ['29', 'nara', '奈良県'],
  ['30', 'wakayama', '和歌山県'],
  ['31', 'tottori', '鳥取県'],
  ['32', 'shimane', '島根県'],
  ['33', 'okayama', '岡山県'],
  ['34', 'hiroshima', '広島県'],
  ['35', 'yamaguchi', '山口県'],
  ['36', 'tokushima', '徳島県'],
  ['37', 'kagawa', '香川県'],
  ['38', 'ehime', '愛媛県'],
  ['39', 'kochi', '高知県'],
  ['40', 'fukuoka', '福岡県'],
  ['41', 'saga', '佐賀県'],
  ['42', 'nagasaki', '長崎県'],
  ['43', 'kumamoto', '熊本県'],
  ['44', 'oita', '大分県'],
  ['45', 'miyazaki', '宮崎県'],
  ['46', 'kagoshima', '鹿児島県'],
  ['47', 'okinawa', '沖縄県'],
].map(([code, slug, name]) => ({ code: Number(code), slug, name }));

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Region id → JIS codes of its prefectures. */
export const REGIONS: Readonly<Record<string, readonly number[]>> = {
  hokkaido: [1],
  tohoku: range(2, 7),
  kanto: range(8, 14),
  chubu: range(15, 23),
  kinki: range(24, 30),
  chugoku: range(31, 35),
  shikoku: range(36, 39),
  kyushu_okinawa: range(40, 47),
  /** 一都三県: Tokyo, Kanagawa, Saitama, Chiba. */
  tokyo_area: [11, 12, 13, 14],
  /** 関西圏: Osaka, Kyoto, Hyogo, Nara. */
  kansai_area: [26, 27, 28, 29],
};

export const REGION_IDS = Object.keys(REGIONS);

/** A prefecture named in a rule: JIS code (13), romaji (tokyo) or name (東京都 / 東京). */
export function findPrefectureCode(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= 47 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  const p = PREFECTURES.find((x) => x.slug === v || x.name === value || x.name.replace(/[都道府県]$/u, '') === value);
  return p?.code;
}
