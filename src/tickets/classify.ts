import { CATEGORIES, type Category, type Urgency } from './model.js';

/**
 * Keywords per category (SPEC §2), in the order ties are broken. The list goes a little beyond
 * the SPEC's examples with words the source documents use for the same offences.
 */
const KEYWORDS: readonly [Category, readonly string[]][] = [
  ['阻工', ['阻工', '堵路', '堵门', '围堵', '阻挠', '停工', '拦车', '阻拦施工']],
  ['强揽', ['强揽', '强买强卖', '强迫交易', '保护费', '敲诈', '勒索', '强行承揽']],
  ['盗窃', ['盗窃', '偷', '电缆', '设备被盗', '被盗', '失窃']],
  ['纠纷', ['征地', '拆迁', '补偿', '欠薪', '拖欠工资', '纠纷', '讨薪']],
  ['证照', ['户口', '居住证', '出入境', '护照', '通行证', '许可', '上户', '身份证', '签证']],
  ['交通', ['货车', '通行', '限行', '事故', '渣土车']],
  ['网络', ['谣言', '造谣', '舆情', '网络']],
  ['经济', ['诈骗', '串通投标', '贿赂', '侵权', '商标']],
];

/** 执法投诉: complaints about officers' own conduct; checked first, since they change the routing. */
const CONDUCT_KEYWORDS = ['吃拿卡要', '乱罚款', '乱收费', '乱查封', '乱摊派'];

const URGENT_CATEGORIES: readonly Category[] = ['阻工', '强揽'];

export interface Classification {
  category: Category;
  urgency: Urgency;
  /** the text without the `#类别` tag and the leading `!` */
  description: string;
  /** the category was given with `#类别` rather than detected */
  explicit: boolean;
}

const TAG_RE = new RegExp(`#(${CATEGORIES.join('|')})(?![\\p{L}\\p{N}])`, 'u');

/** Category and urgency of a report, from an explicit `#类别` tag or from its keywords. */
export function classify(text: string): Classification {
  let description = text.trim();
  const bang = /^[!！]\s*/.exec(description);
  if (bang) description = description.slice(bang[0].length);

  let category: Category | undefined;
  const tag = TAG_RE.exec(description);
  if (tag) {
    category = tag[1] as Category;
    description = (description.slice(0, tag.index) + description.slice(tag.index + tag[0].length)).replace(/\s{2,}/g, ' ').trim();
  }
  const explicit = category !== undefined;
  if (!category && CONDUCT_KEYWORDS.some((k) => description.includes(k))) category = '执法投诉';
  if (!category) {
    let best = 0;
    for (const [c, words] of KEYWORDS) {
      const hits = words.filter((w) => description.includes(w)).length;
      if (hits > best) {
        best = hits;
        category = c;
      }
    }
  }
  category ??= '其他';
  const urgent = bang !== null || description.includes('紧急') || URGENT_CATEGORIES.includes(category);
  return { category, urgency: urgent ? 'urgent' : 'normal', description, explicit };
}
