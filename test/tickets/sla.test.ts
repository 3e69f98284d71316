import { describe, it, expect } from 'vitest';
import { DEFAULT_SLA, slaFor, validateSlaConfig, type SlaConfig } from '../../src/tickets/sla.js';

describe('slaFor', () => {
  it('uses the SPEC defaults without overrides', () => {
    expect(slaFor('阻工', 'urgent', '重点')).toEqual({
      claim: { amount: 30, unit: 'm' },
      resolve: { amount: 24, unit: 'h' },
      confirm: { amount: 3, unit: 'wd' },
    });
    expect(slaFor('盗窃', 'normal', '重点', {})).toEqual({
      claim: { amount: 4, unit: 'h' },
      resolve: { amount: 5, unit: 'wd' },
      confirm: { amount: 3, unit: 'wd' },
    });
  });

  it('lets a category override beat a level override, which beats the default', () => {
    const config: SlaConfig = { 重大: { claim: '2h', resolve: '3wd' }, 盗窃: { claim: '1h' } };
    const sla = slaFor('盗窃', 'normal', '重大', config);
    expect(sla.claim).toEqual({ amount: 1, unit: 'h' }); // category
    expect(sla.resolve).toEqual({ amount: 3, unit: 'wd' }); // level
    expect(sla.confirm).toEqual({ amount: 3, unit: 'wd' }); // default
  });

  it('applies overrides only to their own category and level', () => {
    const config: SlaConfig = { 重大: { claim: '2h' }, 阻工: { claim: '15m' } };
    expect(slaFor('盗窃', 'normal', '难点', config).claim).toEqual({ amount: 4, unit: 'h' });
  });

  it('applies a flat override to both urgencies', () => {
    const config: SlaConfig = { 阻工: { claim: '15m' } };
    expect(slaFor('阻工', 'urgent', '重点', config).claim).toEqual({ amount: 15, unit: 'm' });
    expect(slaFor('阻工', 'normal', '重点', config).claim).toEqual({ amount: 15, unit: 'm' });
  });

  it('applies an urgency block only to that urgency, over flat keys of the same entry', () => {
    const config: SlaConfig = { 纠纷: { resolve: '10wd', urgent: { resolve: '2d' }, normal: { claim: '8h' } } };
    expect(slaFor('纠纷', 'urgent', '重点', config).resolve).toEqual({ amount: 2, unit: 'd' });
    expect(slaFor('纠纷', 'urgent', '重点', config).claim).toEqual({ amount: 30, unit: 'm' });
    expect(slaFor('纠纷', 'normal', '重点', config).resolve).toEqual({ amount: 10, unit: 'wd' });
    expect(slaFor('纠纷', 'normal', '重点', config).claim).toEqual({ amount: 8, unit: 'h' });
  });

  it('does not let a caller change the defaults through its result', () => {
    slaFor('其他', 'normal', '重点').claim.amount = 99;
    expect(DEFAULT_SLA.normal.claim.amount).toBe(4);
    expect(slaFor('其他', 'normal', '重点').claim.amount).toBe(4);
  });

  it('throws on a duration that escaped validation', () => {
    expect(() => slaFor('阻工', 'urgent', '重点', { 阻工: { claim: '15x' } })).toThrow(/15x/);
  });
});

describe('validateSlaConfig', () => {
  it('accepts a good section, an empty one and none at all', () => {
    expect(validateSlaConfig({ 阻工: { claim: '15m' }, 重大: { urgent: { resolve: '12h' }, normal: { resolve: '3wd' } } })).toEqual([]);
    expect(validateSlaConfig({})).toEqual([]);
    expect(validateSlaConfig(undefined)).toEqual([]);
  });

  it('names an unknown category or level', () => {
    const problems = validateSlaConfig({ 打架: { claim: '1h' } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^sla\.打架: /);
    expect(problems[0]).toContain('未知的类别或项目级别');
  });

  it('names a bad duration with where it is', () => {
    expect(validateSlaConfig({ 阻工: { claim: '15x' } })).toEqual([
      'sla.阻工.claim: 无效的时长 "15x"（应为正整数加单位，例如 30m、4h、2d、5wd）',
    ]);
    expect(validateSlaConfig({ 重点: { urgent: { resolve: 30 } } })[0]).toMatch(/^sla\.重点\.urgent\.resolve: 无效的时长 30/);
  });

  it('names unknown keys, including urgency keys inside an urgency block', () => {
    expect(validateSlaConfig({ 阻工: { claim: '15m', close: '1d' } })).toEqual([
      'sla.阻工.close: 未知的键「close」（可用：claim、resolve、confirm、urgent、normal）',
    ]);
    expect(validateSlaConfig({ 阻工: { urgent: { normal: { claim: '1h' } } } })[0]).toMatch(/^sla\.阻工\.urgent\.normal: 未知的键/);
  });

  it('rejects values of the wrong shape', () => {
    expect(validateSlaConfig(['阻工'])).toHaveLength(1);
    expect(validateSlaConfig({ 阻工: '15m' })[0]).toMatch(/^sla\.阻工: 应为映射/);
    expect(validateSlaConfig({ 阻工: { urgent: '15m' } })[0]).toMatch(/^sla\.阻工\.urgent: 应为映射/);
  });

  it('reports every problem, not just the first', () => {
    expect(validateSlaConfig({ 打架: {}, 阻工: { claim: '0h', resolve: '-1d' } })).toHaveLength(3);
  });
});
