import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { FIGURE_HEADERS, TICKET_HEADERS } from '../../src/reports/export.js';
import { AWKWARD, cli, filledDatabase } from '../support/cli.js';
import { ROOT } from '../support/locations.js';

/** An RFC 4180 reader, to check the quoting by reading it back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

let dir = '';
let env: Record<string, string> = {};

beforeAll(async () => {
  ({ dir, env } = await filledDatabase());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lianbao export --format csv', () => {
  it('writes a BOM, the Chinese header and one row per ticket received in the month, quoting what needs it', async () => {
    const r = await cli(['export', '--month', '2026-11', '--format', 'csv'], env);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out.startsWith('\uFEFF编号,项目编号,项目名称,单位,类别,紧急程度,状态,报告人,报告时间,承办人,承办部门,签收时间,签收时限,办结时间,办结时限,责任人,是否超期,超期时长,评价,评语,重办次数,督办,附件,内容\r\n')).toBe(true);
    expect(r.out).toContain('"钢筋被盗, 值班员说""不关我事""\n监控已调取"');

    // The lines as printed: each ends in \r, and out() adds the \n.
    const [header, ...rows] = parseCsv(`${r.out.slice(1)}\n`);
    expect(header).toEqual([...TICKET_HEADERS]);
    expect(rows.map((row) => row[0])).toEqual(['2', '3', '4']); // #1 came in on 30 October
    const byNo = Object.fromEntries(rows.map((row) => [row[0], Object.fromEntries(header!.map((h, i) => [h, row[i]]))]));
    expect(byNo['3']!['内容']).toBe(AWKWARD);
    expect(byNo['2']).toMatchObject({ 项目编号: 'XM001', 项目名称: '经开区新材料产业园', 类别: '盗窃', 紧急程度: '一般', 状态: '待认领', 报告人: '陈经理', 报告时间: '2026-11-02 10:00', 签收时限: '2026-11-02 14:00', 承办部门: '治安大队', 承办人: '', 督办: '否' });
    // Nobody claimed #2: overdue now (the export runs on today's clock), and the project officer answers for it (SPEC §2, §6).
    expect(byNo['2']).toMatchObject({ 责任人: '王警官', 是否超期: '是' });
    expect(Number(byNo['2']!['超期时长'])).toBeGreaterThan((Date.now() - Date.parse('2026-11-02T14:00:00+08:00')) / 3_600_000 - 1);
    expect(byNo['4']).toMatchObject({ 状态: '已销号', 承办人: '孙警官', 承办部门: '开发区派出所', 签收时间: '2026-11-02 10:30', 办结时间: '2026-11-03 14:00', 评价: '满意（4分）', 评语: '处理得当', 重办次数: '0' });
    expect(byNo['4']).toMatchObject({ 责任人: '孙警官', 是否超期: '否', 超期时长: '' });
  });

  it('writes the same to a file with --out', async () => {
    const file = join(dir, 'tickets.csv');
    const r = await cli(['export', '--month', '2026-11', '--format', 'csv', '--out', file], env);
    expect(r.code).toBe(0);
    expect(r.out).toContain(file);
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    expect(parseCsv(text)).toHaveLength(4);
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('prints to stdout exactly what --out writes, the last line ending in CRLF too', async () => {
    const file = join(dir, 'same.csv');
    await cli(['export', '--month', '2026-11', '--out', file], env);
    // The real command, as `lianbao export … > file.csv` runs it: what reaches the file is stdout.
    const printed = spawnSync(process.execPath, [join(ROOT, 'bin', 'lianbao.js'), 'export', '--month', '2026-11'], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    expect(printed.status).toBe(0);
    expect(printed.stdout.toString('utf8').endsWith('\r\n')).toBe(true);
    expect(printed.stdout.equals(readFileSync(file))).toBe(true);
  });

  it('exports the figures with --figures, one row per line of each breakdown', async () => {
    const r = await cli(['export', '--month', '2026-11', '--figures'], env);
    expect(r.code).toBe(0);
    // The lines as printed: each ends in \r, and out() adds the \n.
    const [header, ...rows] = parseCsv(`${r.out.slice(1)}\n`);
    expect(header).toEqual([...FIGURE_HEADERS]);
    expect(header!.slice(0, 3)).toEqual(['分组', '名称', '收到']);
    expect(rows[0]!.slice(0, 3)).toEqual(['合计', '合计', '3']);
    expect(new Set(rows.map((row) => row[0]))).toEqual(new Set(['合计', '部门', '责任人', '项目']));
    // Every rate beside its counts; nothing is filed under a row called “未认领”.
    const overall = Object.fromEntries(header!.map((h, i) => [h, rows[0]![i]]));
    expect(overall).toMatchObject({ 应签收: '3', 签收及时: '1', 签收及时率: '33.3%', 满意: '1', 满意率: '100.0%', 待回访: '0' });
    expect(rows.map((row) => row[1])).not.toContain('（未认领）');
    const project = rows.filter((row) => row[0] === '项目').map((row) => [row[1], row[2]]);
    expect(project).toEqual(expect.arrayContaining([['经开区新材料产业园', '1'], ['城东快速路二期工程', '1'], ['高铁新城安置小区', '1']]));
  });
});

describe('lianbao export --format xlsx', () => {
  it('writes a workbook with a sheet of tickets and one per breakdown, bold frozen Chinese headers', async () => {
    const file = join(dir, '2026-11.xlsx');
    const r = await cli(['export', '--month', '2026-11', '--format', 'xlsx', '--out', file], env);
    expect(r).toMatchObject({ code: 0, err: '' });

    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    expect(book.worksheets.map((s) => s.name)).toEqual(['工单', '合计', '按部门', '按责任人', '按项目']);
    const tickets = book.getWorksheet('工单')!;
    expect((tickets.getRow(1).values as unknown[]).slice(1)).toEqual([...TICKET_HEADERS]);
    expect(tickets.rowCount).toBe(4);
    expect(tickets.getRow(1).font?.bold).toBe(true);
    expect(tickets.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(tickets.getRow(3).getCell(TICKET_HEADERS.indexOf('内容') + 1).value).toBe(AWKWARD);
    expect(tickets.getRow(2).getCell(1).value).toBe(2);
    expect(tickets.getColumn(TICKET_HEADERS.indexOf('内容') + 1).width).toBeGreaterThan(tickets.getColumn(1).width!);
    const total = book.getWorksheet('合计')!;
    expect((total.getRow(1).values as unknown[]).slice(1, 4)).toEqual(['名称', '收到', '应签收']);
    expect((total.getRow(2).values as unknown[]).slice(1, 3)).toEqual(['合计', 3]);
    expect(book.getWorksheet('按项目')!.rowCount).toBe(4);
  });

  it('refuses to write the binary workbook to the terminal', async () => {
    const r = await cli(['export', '--month', '2026-11', '--format', 'xlsx'], env);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('--out');
  });
});

describe('lianbao export with bad arguments', () => {
  it.each([
    [['--month', '2026-13'], '2026-13'],
    [['--month', 'abc'], 'abc'],
    [[], '--month'],
    [['--month', '2026-11', '--format', 'pdf'], 'pdf'],
    [['--month', '2026-11', '--colour'], 'colour'],
  ])('is a usage error (exit 2) naming the problem: %j', async (args, named) => {
    const r = await cli(['export', ...args], env);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n')[0]).toContain(named);
  });
});

// SPEC §11: a county's figures and tickets are its own and its units' below; the root's are everything.
describe('lianbao export --unit', () => {
  let cityDir = '';
  let cityEnv: Record<string, string> = {};
  beforeAll(async () => {
    ({ dir: cityDir, env: cityEnv } = await filledDatabase([
      ['dxqy', 'DX001', '报告 物流园门口被货车堵住'],
      ['xxqy', 'XX001', '报告 电站工地电缆被偷'],
    ]));
  });
  afterAll(() => rmSync(cityDir, { recursive: true, force: true }));
  const projectsOf = (out: string) => parseCsv(`${out.slice(1)}\n`).slice(1).map((row) => row[1]);

  it('exports a county’s tickets and figures, named by id or by name; the root’s is everything', async () => {
    for (const unit of ['dongxian', '东县护企办']) {
      const r = await cli(['export', '--month', '2026-11', '--unit', unit], cityEnv);
      expect(r).toMatchObject({ code: 0, err: '' });
      expect(projectsOf(r.out)).toEqual(['DX001']);
    }
    const figures = await cli(['export', '--month', '2026-11', '--figures', '--unit', 'xixian'], cityEnv);
    expect(parseCsv(`${figures.out.slice(1)}\n`)[1]!.slice(0, 3)).toEqual(['合计', '合计', '1']);
    const all = await cli(['export', '--month', '2026-11', '--unit', 'city'], cityEnv);
    expect(projectsOf(all.out).sort()).toEqual(['DX001', 'XM001', 'XM002', 'XM003', 'XX001']);
  });

  it('refuses a unit the roster does not have, naming those it has', async () => {
    const r = await cli(['export', '--month', '2026-11', '--unit', '南县'], cityEnv);
    expect(r.code).toBe(2);
    expect(r.err).toContain('没有单位“南县”，名册中的单位有：city（市护企办）、dongxian（东县护企办）、xixian（西县护企办）');
    expect(r.out).toBe('');
  });
});
