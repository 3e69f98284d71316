import { describe, expect, it } from 'vitest';
import { PhraseMatcher } from '../../src/tickets/phrase-matcher.js';
import { parsePhraseTable, PhraseTableError, readPhraseTable } from '../../src/tickets/phrase-table.js';
import { PHRASES_FILE } from '../../src/tickets/classify.js';

/** The problems a table is refused with, one line each. */
function problems(yaml: string): string[] {
  try {
    parsePhraseTable(yaml);
  } catch (e) {
    expect(e).toBeInstanceOf(PhraseTableError);
    return (e as PhraseTableError).problems;
  }
  throw new Error('the table was accepted');
}

describe('the phrase table file', () => {
  it('ships valid, with hundreds of phrases', () => {
    const table = readPhraseTable(PHRASES_FILE);
    expect(table.window).toBe(6);
    expect(table.entries.length).toBeGreaterThan(300);
  });

  it('names an unknown category, with its line', () => {
    const yaml = ['categories:', '  阻工:', '    - 堵路', '  阻功:', '    - 拦车'].join('\n');
    expect(problems(yaml)).toEqual([expect.stringMatching(/^phrases\.yaml:4:3 categories\.阻功: unknown category "阻功"; the categories are 阻工 强揽 .* 执法投诉/)]);
  });

  it('takes no phrases for 其他, which is what matches nothing', () => {
    expect(problems('categories:\n  其他:\n    - 路灯\n')).toEqual([expect.stringContaining('unknown category "其他"')]);
  });

  it('names an empty phrase', () => {
    const yaml = ['categories:', '  盗窃:', '    - 被偷', '    - ""', '    - "  "'].join('\n');
    expect(problems(yaml)).toEqual(['phrases.yaml:4:7 categories.盗窃[1]: empty phrase', 'phrases.yaml:5:7 categories.盗窃[2]: empty phrase']);
  });

  it('names a phrase given twice, in one category or two, and in either script', () => {
    const yaml = ['categories:', '  阻工:', '    - 拦…车', '    - 拦车', '    - 拦...车', '  强揽:', '    - 拦车', '    - 保护费', '    - 保護費'].join('\n');
    expect(problems(yaml)).toEqual([
      'phrases.yaml:5:7 categories.阻工[2]: "拦...车" is the same phrase as categories.阻工[0] "拦…车" (line 3)',
      'phrases.yaml:7:7 categories.强揽[0]: "拦车" is the same phrase as categories.阻工[1] "拦车" (line 4)',
      'phrases.yaml:9:7 categories.强揽[2]: "保護費" is the same phrase as categories.强揽[1] "保护费" (line 8)',
    ]);
  });

  it('names a gap that does not stand between two words', () => {
    const yaml = ['categories:', '  阻工:', '    - …车', '    - 拦…', '    - 不让… …进场'].join('\n');
    expect(problems(yaml)).toEqual([
      expect.stringMatching(/^phrases\.yaml:3:7 categories\.阻工\[0\]: "…车": a gap \(…\) must stand between two words/),
      expect.stringMatching(/^phrases\.yaml:4:7 categories\.阻工\[1\]: "拦…"/),
      expect.stringMatching(/^phrases\.yaml:5:7 categories\.阻工\[2\]: "不让… …进场"/),
    ]);
  });

  it('names a phrase that is not text, and a key it does not know', () => {
    expect(problems('categories:\n  证照:\n    - 护照\n    - 110\nwindows: 6\n')).toEqual([
      'phrases.yaml:4:7 categories.证照[1]: expected a phrase (a word or `word…word`)',
      'phrases.yaml:5:1 windows: unknown key "windows"; the keys are window, categories and ignore',
    ]);
  });

  it('names a YAML syntax error by its line', () => {
    expect(problems('categories:\n  阻工: [堵路\n')[0]).toMatch(/^phrases\.yaml:\d+:\d+ /);
  });
});

describe('a table’s window', () => {
  it('is how many characters a gap may span', () => {
    const matcher = new PhraseMatcher(parsePhraseTable('window: 2\ncategories:\n  阻工:\n    - 拦…车\n'));
    expect(matcher.find('拦了车')).toHaveLength(1);
    expect(matcher.find('拦住了车')).toHaveLength(1);
    expect(matcher.find('拦住了我车')).toHaveLength(0);
  });
});
