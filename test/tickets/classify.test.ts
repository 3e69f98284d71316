import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, detectCategory } from '../../src/tickets/classify.js';
import { CATEGORIES, URGENCY_NAMES, type Category } from '../../src/tickets/model.js';
import { ROOT } from '../support/locations.js';

type Case = [text: string, category: Category, urgency: '紧急' | '一般'];

/** What classify makes of a text, as the 报告 reply shows it: `阻工·紧急`. */
const read = (text: string) => {
  const c = classify(text);
  return `${c.category}·${URGENCY_NAMES[c.urgency]}`;
};

/**
 * Reports as enterprise managers, site foremen and project owners write them in a project's
 * WeChat or DingTalk group: plain, colloquial, some long, some in Traditional characters, some
 * with several matters at once.
 */
const REPORTS: Case[] = [
  // 阻工: obstruction of the works
  ['今天上午九点多，十几个村民把项目部大门堵了，说是征地补偿款没到位，渣土车一辆都出不去', '阻工', '紧急'],
  ['王总，2号标段又被附近村民围住了，挖掘机停在那里动不了，请派出所过来看看', '阻工', '紧急'],
  ['有几个人躺在搅拌车前面不让走，混凝土快要凝固了', '阻工', '紧急'],
  ['村里的人说我们占了他家的地，用石头把进场的路堵死了', '阻工', '紧急'],
  ['紧急！工地门口聚集了三十多人闹事，还有人拿着棍子，保安拦不住', '阻工', '紧急'],
  ['有人在施工便道上设卡，我们的车过不去', '阻工', '紧急'],
  ['老乡不让我们开工，说要先把青苗补偿谈好', '阻工', '紧急'],
  ['下午有个自称村霸的人带着几个混混来工地挑衅', '阻工', '紧急'],
  ['工人被打了，头上缝了五针，打人的是隔壁村的，现在人还在工地门口', '阻工', '紧急'],
  ['隧道口被附近养殖户用货车挡住了，说我们放炮吓死了他的鱼，要赔钱', '阻工', '紧急'],
  ['搅拌站的罐车一出门就被人拦，已经拦了三天了，这样下去只能停工', '阻工', '紧急'],
  ['一群人冲进项目部把电脑砸了', '阻工', '紧急'],
  ['施工队长：今天早上又有人堵门，混凝土车排了一长串进不去', '阻工', '紧急'],
  ['项目东侧那户人家天天坐在门口不让我们干活', '阻工', '紧急'],
  ['刚才几个喝了酒的人跑到工地来找茬，把工人的饭盆都掀了', '阻工', '紧急'],
  ['业主那边说，隔壁厂的人把我们的临时便道挖断了', '阻工', '紧急'],
  ['渣土车被村民拦住，货车无法通行', '阻工', '紧急'],
  ['村干部带人来量地，说红线划错了，不重新勘界就不让动工', '阻工', '紧急'],
  ['工地旁边小卖部老板说我们的车压坏了他家门口的路，不赔两万就不让车过', '阻工', '紧急'],
  ['我们的车被村民拦下了，司机现在还在车上', '阻工', '紧急'],
  ['村里不让咱们的车进场，已经耽误两天了', '阻工', '紧急'],
  ['拦住了我们的车，说什么也不放行', '阻工', '紧急'],
  ['有人把路堵了，材料进不来', '阻工', '紧急'],
  ['今天一早有人寻衅滋事，把项目部的门卫打伤了', '阻工', '紧急'],
  ['几个路霸在工地出口拦截运输车辆', '阻工', '紧急'],
  ['十几个人在门口聚众闹事，工人不敢出去', '阻工', '紧急'],
  ['货车被村民拦在路口，司机和村民吵起来了', '阻工', '紧急'],
  ['東門被一夥人圍堵，工人進不了場', '阻工', '紧急'],

  // 强揽: coercion — forced contracts, protection money, extortion, violent debt collection
  ['有人上门收保护费，不给就不让进场', '强揽', '紧急'],
  ['有人强行拦截工程车辆，要求承揽土方运输', '强揽', '紧急'],
  ['当地有人垄断沙石供应，我们从外面拉的沙子不让进工地，只能买他们的，价格比市场高三成', '强揽', '紧急'],
  ['有人放话，工地的土方运输必须交给他们做，否则天天来闹', '强揽', '紧急'],
  ['村里几个人每车收五十块过路费，不交就不让过', '强揽', '紧急'],
  ['分包商反映，有人上门要求我们的钢材必须从他指定的商家买', '强揽', '紧急'],
  ['催债公司的人天天到工地堵老板，昨天还动手推人', '强揽', '紧急'],
  ['有人打电话敲诈，说不给二十万就天天来搞事', '强揽', '紧急'],
  ['装卸队强装强卸，不用他们就不让卸货', '强揽', '紧急'],
  ['砂石老板找人来威胁，说这一片的砂石只能用他家的', '强揽', '紧急'],
  ['对方自称是这一带的老大，开口就要五万块平安费', '强揽', '紧急'],
  ['搅拌站说以后混凝土只能用他们站的，不然罐车一辆都进不来', '强揽', '紧急'],
  ['施工队刚进场就被一帮人拦下，说这片活必须由他们村的车队来干', '强揽', '紧急'],
  ['东门被拉土方的堵着，说不给他们活干就不走', '强揽', '紧急'],
  ['那几个人说不给他们干就不让我们干', '强揽', '紧急'],
  ['村委会有人要求项目上的土方全部由村里的车队承包', '强揽', '紧急'],
  ['一伙人拦着我们的混凝土车，说要先交进村费才能过', '强揽', '紧急'],
  ['报告一下，今天下午三点左右两名男子闯进工地，说是来收管理费的，不给就砸设备', '强揽', '紧急'],
  ['要我们交钱才让干，不然就天天来', '强揽', '紧急'],
  ['包工头欠了别人的钱，债主带人来工地暴力讨债', '强揽', '紧急'],
  ['有人上門收保護費，不給錢就不讓施工', '强揽', '紧急'],

  // 盗窃: theft and damage to property
  ['工地夜间电缆被偷', '盗窃', '一般'],
  ['昨晚工地仓库被撬，丢了二十多卷电线', '盗窃', '一般'],
  ['塔吊上的电缆昨晚被人剪走了大约两百米', '盗窃', '一般'],
  ['钢筋加工棚里的钢筋少了三吨多，怀疑有人夜里偷运出去', '盗窃', '一般'],
  ['发现挖掘机油箱的柴油被抽光了', '盗窃', '一般'],
  ['项目部的监控摄像头被人砸了', '盗窃', '一般'],
  ['有人晚上把工地的围挡推倒了好几块', '盗窃', '一般'],
  ['停在路边的两台运输车轮胎被扎了', '盗窃', '一般'],
  ['工地上的发电机不见了，门卫说半夜听到有车开进来', '盗窃', '一般'],
  ['施工电梯的控制箱被人撬开，里面的铜线全被拆走', '盗窃', '一般'],
  ['报一下，昨晚工棚里工人的三部手机被偷了', '盗窃', '一般'],
  ['配电箱被人撬了，里面的空开都被拆走了', '盗窃', '一般'],
  ['工地上两台切割机被盗，监控拍到了车牌', '盗窃', '一般'],
  ['材料员报告：钢筋堆场夜里有人翻墙进来，被保安发现后跑了', '盗窃', '一般'],
  ['王警官您好，我们项目上周五晚上仓库被盗，损失了大概十五万元的电缆和电动工具，当晚就报了案，想问一下现在什么情况', '盗窃', '一般'],
  ['工地的電纜昨晚被人偷走了', '盗窃', '一般'],

  // 纠纷: land, compensation, wages, neighbours
  ['几十名农民工来讨要拖欠工资', '纠纷', '一般'],
  ['几十名农民工到项目部讨薪，说劳务公司拖欠了三个月工资', '纠纷', '一般'],
  ['拆迁户嫌补偿标准低，一直不肯签字，项目红线内还有三户没拆', '纠纷', '一般'],
  ['附近居民投诉晚上打桩噪音太大，影响休息', '纠纷', '一般'],
  ['村民说我们爆破把他家房子震裂了，要我们赔偿', '纠纷', '一般'],
  ['两个分包队伍为了工程量结算吵起来了', '纠纷', '一般'],
  ['项目用地里有几座坟，坟主家属要求先迁坟再施工', '纠纷', '一般'],
  ['老板跑路了，工人的工钱还没结', '纠纷', '一般'],
  ['征地的时候说好的安置房到现在还没落实，村民有意见', '纠纷', '一般'],
  ['供应商说我们欠他们材料款，天天来项目部要账', '纠纷', '一般'],
  ['土地流转户说租金没按时给，今天来项目部要说法', '纠纷', '一般'],
  ['隔壁小区业主投诉我们晚上施工扰民', '纠纷', '一般'],
  ['拆遷補償一直談不攏，村民天天來項目部吵', '纠纷', '一般'],

  // 证照: permits and the green channel
  ['外籍技术人员急需办理出入境手续', '证照', '一般'],
  ['我们有两个德国工程师的工作签证下个月到期，想问能不能加急办理延期', '证照', '一般'],
  ['项目经理的孩子要在这边上学，户口怎么迁过来？', '证照', '一般'],
  ['新买的三台工程车要上牌，车管所那边能不能走绿色通道', '证照', '一般'],
  ['下周要爆破作业，民爆物品购买许可还没批下来', '证照', '一般'],
  ['技术员的护照过期了，下个月要出国参加设备验收', '证照', '一般'],
  ['公司搬了新址，公章要重新刻制，需要到哪里备案', '证照', '一般'],
  ['请问项目上外地工人的居住证可以集中办理吗？', '证照', '一般'],
  ['两台大件设备要进场，超限运输的审批能不能快一点', '证照', '一般'],
  ['我们的货车白天不让进城，能不能办个通行证', '证照', '一般'],
  ['我们要给新招的外籍员工办居留许可，需要哪些材料？', '证照', '一般'],
  ['公司要申请剧毒化学品购买许可，流程能否简化', '证照', '一般'],
  ['项目负责人身份证丢了，要尽快补办，周五要去投标', '证照', '一般'],
  ['咨询一下，我们项目有一批从香港过来的技术人员，需要办理来内地工作的居留手续，另外还有两个人的港澳通行证要续签，麻烦告知需要准备哪些材料', '证照', '一般'],
  ['外籍工程師的簽證快到期了，想加急辦理', '证照', '一般'],

  // 交通: traffic
  ['渣土车限行，材料货车进不来', '交通', '一般'],
  ['项目门口的路口没有红绿灯，渣土车进出很危险，想请交警设个信号灯', '交通', '一般'],
  ['施工路段早晚高峰堵车很严重，能不能安排交警疏导一下', '交通', '一般'],
  ['我们一辆渣土车在国道上和小车追尾了，司机轻伤', '交通', '一般'],
  ['工地出口这段路没有标线，夜里车辆掉头很危险', '交通', '一般'],
  ['城区限行时间调整后，材料车只能半夜进城，希望给工程车放宽一下', '交通', '一般'],
  ['项目附近那段国道经常出事故，想请交警加装减速带', '交通', '一般'],
  ['工地门口发生交通事故，对方家属来要赔偿', '交通', '一般'],
  ['貨車在國道上發生追尾事故', '交通', '一般'],

  // 网络: rumours and attacks online
  ['网上有人造谣说工地出了人命', '网络', '一般'],
  ['抖音上有人发视频说我们工地偷排污水，完全是造谣', '网络', '一般'],
  ['有人在本地论坛发帖说项目手续不全，我们想请求删帖', '网络', '一般'],
  ['公司官网被黑了，首页被改成了乱七八糟的东西', '网络', '一般'],
  ['财务电脑中了勒索病毒，文件都打不开了', '网络', '一般'],
  ['网上有人散布谣言说我们项目是烂尾楼，业主都来问', '网络', '一般'],
  ['最近网上关于我们项目拆迁的负面舆情很多', '网络', '一般'],
  ['公众号上有篇文章恶意抹黑我们公司，阅读量已经过万了', '网络', '一般'],
  ['这两天总有人在工地周围拿手机拍我们施工，说要发到网上曝光', '网络', '一般'],
  ['網上有人造謠說我們工地出了事故', '网络', '一般'],

  // 经济: economic crime
  ['有人冒充项目部诈骗材料款', '经济', '一般'],
  ['有人冒充我们项目部的采购，骗了供应商十几万货款', '经济', '一般'],
  ['招标的时候发现有几家单位串通投标，报价几乎一样', '经济', '一般'],
  ['市场上出现假冒我们商标的防水卷材', '经济', '一般'],
  ['原来的出纳挪用了两百多万公款，现在联系不上', '经济', '一般'],
  ['有人以项目名义非法集资，很多村民上当了', '经济', '一般'],
  ['合作方用假合同骗取我们的预付款', '经济', '一般'],
  ['我们的专利技术被前员工带到竞争对手那里去了', '经济', '一般'],
  ['发现有人用我们项目的名义虚开发票', '经济', '一般'],
  ['有人冒用我们公司名义在网上招工收培训费', '经济', '一般'],
  ['有人冒充我們公司詐騙供應商貨款', '经济', '一般'],

  // 执法投诉: complaints about officers' conduct
  ['检查人员吃拿卡要，乱罚款', '执法投诉', '一般'],
  ['某所的民警到工地检查，暗示要我们请吃饭才给办', '执法投诉', '一般'],
  ['交警在工地门口专门蹲我们的车，一天罚了七八次，明显是乱罚款', '执法投诉', '一般'],
  ['我们公司的账户被冻结了，说是配合调查，但一个多月了没人说明原因', '执法投诉', '一般'],
  ['去年年底有部门上门拉赞助，不给就说要来检查', '执法投诉', '一般'],
  ['三天两头有人来检查，一个月查了十几次，工都没法干', '执法投诉', '一般'],
  ['报警半个小时了还没人来，派出所说警力不够', '执法投诉', '一般'],
  ['办证窗口的工作人员故意刁难，材料交了三次都说不行', '执法投诉', '一般'],
  ['我们的设备被查封了，也没出任何文书', '执法投诉', '一般'],
  ['有个科长逢年过节就暗示要礼金', '执法投诉', '一般'],
  ['交警把我们的渣土车扣了一个星期，到现在也不说怎么处理', '执法投诉', '一般'],
  ['交警扣了我们两台渣土车，说是超载，其实都过了磅', '执法投诉', '一般'],
  ['一个月内被不同部门检查了五次，每次都要我们停工配合', '执法投诉', '一般'],
  ['工地被盗，报警后民警推诿说不归他们管', '执法投诉', '一般'],
  ['向护企办反映一个情况：我们公司和上游供应商有合同纠纷，对方报了警，结果经侦直接把公司账户冻结了，工人工资都发不出来，我们认为这是插手经济纠纷，请予以核查', '执法投诉', '一般'],
  ['上周有领导让我们安排宴请，说是联络感情', '执法投诉', '一般'],
  ['派出所民警吃拿卡要，還亂罰款', '执法投诉', '一般'],
  ['交警扣了我們的車，說是手續不全', '执法投诉', '一般'],

  // Several matters in one message: the tie rule decides
  ['两件事：一是工地电缆又被偷了；二是门口有村民拦车，现在车都出不去', '阻工', '紧急'],
  ['拆迁补偿没谈拢，村民把路堵了', '阻工', '紧急'],
  ['民警说只要我们请吃饭就帮忙把堵路的村民劝走', '执法投诉', '一般'],
  ['网上有人造谣说我们欠薪，还有人在门口聚众闹事', '阻工', '紧急'],
  ['上个月的工资已经发了，但还有几个人说被偷了手机', '盗窃', '一般'],
  ['有人在网上发帖敲诈我们，说不给钱就继续发负面新闻', '强揽', '紧急'],
  [
    '各位领导好，我是城东污水处理厂项目的施工方负责人。从本周一开始，每天早上七点左右就有十几个村民到项目东门，说项目占用了他们村的集体土地，补偿款没有发到个人手里，要求停工。他们把两台挖掘机围住，不让操作手上车，已经连续三天无法正常施工，工期非常紧张，请帮忙协调。',
    '阻工',
    '紧急',
  ],
  ['村民把工地大門堵住了，工程車進不去', '阻工', '紧急'],
  ['緊急！有人在工地門口打人', '阻工', '紧急'],
];

/**
 * Ordinary talk in a project group — greetings, thanks, questions about the bot, meeting
 * arrangements: no phrase may match, so the chat never asks "是否登记为诉求？" about them.
 */
const NOT_REPORTS: string[] = [
  '你好，请问怎么报告问题？',
  '收到，谢谢',
  '明天几点开会',
  '大家好，我是新来的项目联络员小李，以后请多关照',
  '好的，辛苦了',
  '谢谢王警官，上次的问题已经解决了',
  '这个机器人怎么用？',
  '机器人是不是网络不好，刚才发的消息没回复',
  '帮助',
  '会商是在三楼会议室吗？',
  '下周三的联席会议改到下午两点半',
  '请各单位下午四点前把本月进度报上来',
  '👍',
  '早上好',
  '中秋节快乐，祝大家阖家幸福',
  '会议室投影仪坏了，谁有转接头',
  '明天下雨停工，大家注意安全',
  '麻烦把上次会议纪要发一下',
  '请问台账怎么导出成表格？',
  '我这边已经满意了，可以销号',
  '收到，马上安排',
  '今天的月报已经发到群里了',
  '周五的会我请假，让副经理参加',
  '好的，我们下午去现场看看',
  '请问机器人能发语音吗',
  '上次那个事情处理得很好，感谢派出所的支持',
  '群里新拉了几位同事，欢迎',
  '开会地址发我一下，我导航过去',
  '怎么查看我报的问题处理到哪一步了？',
  '今天天气不错，适合施工',
  '这次会议不让带手机，进场前请交给门卫',
  '拦河坝上的施工便道今天开始通车',
  '收到請回復',
  '謝謝大家的配合',
  '明天上午市里领导来工地检查，请各班组做好准备',
  '网络会议的链接发一下',
  '电缆明天进场敷设',
  '春节放假安排：1月20日停工，2月10日复工',
  '已经和村里沟通好了，明天可以进场',
  '老板今天请客，大家辛苦了',
];

describe('classify: reports as people write them', () => {
  it.each(REPORTS)('%s → %s·%s', (text, category, urgency) => {
    expect(read(text)).toBe(`${category}·${urgency}`);
    // The chat's question "是否登记为诉求？" rests on the same phrases.
    expect(detectCategory(text)?.category).toBe(category);
  });

  it('keeps the description as typed, Traditional characters included', () => {
    expect(classify('有人強行攔截工程車輛，要求承攬土方運輸').description).toBe('有人強行攔截工程車輛，要求承攬土方運輸');
  });

  it('has cases for every category that phrases can point to, each with more than one', () => {
    for (const category of CATEGORIES.filter((c) => c !== '其他')) {
      expect(REPORTS.filter(([, c]) => c === category).length, category).toBeGreaterThan(5);
    }
    expect(REPORTS.length + NOT_REPORTS.length).toBeGreaterThanOrEqual(150);
  });
});

describe('detectCategory: ordinary talk is not a report', () => {
  it.each(NOT_REPORTS)('%s', (text) => {
    expect(detectCategory(text)).toBeNull();
    expect(read(text)).toBe('其他·一般');
  });
});

describe('the SPEC §2 keywords', () => {
  const keywords: [Category, string][] = [
    ['阻工', '阻工 堵路 堵门 围堵 阻挠 停工 拦截 拦住 拦车 不让进场 聚众闹事 寻衅滋事 村霸 路霸'],
    ['强揽', '强揽 承揽 强买强卖 强迫交易 保护费 敲诈 强行收费 暴力讨债'],
    ['盗窃', '盗窃 偷 电缆 设备被盗 损毁 砸坏'],
    ['纠纷', '征地 拆迁 补偿 欠薪 拖欠工资 纠纷'],
    ['证照', '户口 居住证 出入境 护照 通行证 许可 上户'],
    ['交通', '货车 通行 限行 事故'],
    ['网络', '谣言 造谣 舆情 网络'],
    ['经济', '诈骗 串通投标 贿赂 侵权 商标'],
    ['执法投诉', '吃拿卡要 乱罚款 乱收费 乱查封 扣车 冻结账户 乱拉赞助 宴请 礼金'],
  ];
  const cases = keywords.flatMap(([category, words]) => words.split(' ').map((w) => [w, category] as const));
  it.each(cases)('%s → %s', (word, category) => {
    expect(detectCategory(word)?.category).toBe(category);
    expect(classify(`报告的内容：${word}`).category).toBe(category);
  });
});

describe('when phrases of several categories match (SPEC §2)', () => {
  it('gives a complaint about officers to 执法投诉, over an urgent category', () => {
    expect(read('民警说只要我们请吃饭就帮忙把堵路的村民劝走')).toBe('执法投诉·一般');
    expect(read('村民拦车，交警来了不管，反而把我们的车扣了')).toBe('执法投诉·一般');
  });

  it('prefers an urgent category to a longer phrase of another', () => {
    // 拖欠工资 (纠纷, four characters) is longer than 拦车 (阻工, two), but 阻工 is urgent.
    expect(detectCategory('农民工为拖欠工资的事拦车')).toEqual({ category: '阻工', phrase: '拦车' });
  });

  it('between two urgent categories, takes the one with the longer phrase', () => {
    // 阻工 has 拦截 and 拦…车 (two characters each), 强揽 has 要求…承揽 (four): it is the
    // contract they are after, the blocked trucks are the means.
    expect(detectCategory('有人强行拦截工程车辆，要求承揽土方运输')).toEqual({ category: '强揽', phrase: '要求…承揽' });
    expect(read('有人强行拦截工程车辆，要求承揽土方运输')).toBe('强揽·紧急');
  });

  it('otherwise takes the category of the longest phrase', () => {
    expect(detectCategory('工地门口发生交通事故，对方家属来要赔偿')).toEqual({ category: '交通', phrase: '交通事故' });
  });

  it('on equal length, takes the category with more phrases found, then the first in the SPEC’s table', () => {
    // 网上 and 造谣 (网络) against 事故 (交通): two phrases against one.
    expect(detectCategory('网上有人造谣说我们工地出了事故')?.category).toBe('网络');
    // 工钱 (纠纷) against 跑路 (经济): one each, 纠纷 comes first.
    expect(detectCategory('老板跑路了，工人的工钱还没结')?.category).toBe('纠纷');
  });

  it('does not count a phrase inside a longer one', () => {
    expect(detectCategory('财务电脑中了勒索病毒')?.category).toBe('网络');
    expect(detectCategory('能不能帮忙办个货车通行证')).toEqual({ category: '证照', phrase: '通行证' });
    // 偷偷 is not 偷, 网络不好 is not 网络: the ignore list.
    expect(detectCategory('我偷偷跟你说，网络不好的时候消息会晚到')).toBeNull();
  });
});

describe('urgency', () => {
  it('makes a report urgent when 紧急 appears anywhere, in either script', () => {
    expect(read('工地电缆被偷，情况紧急')).toBe('盗窃·紧急');
    expect(read('緊急：倉庫被盜')).toBe('盗窃·紧急');
    expect(read('紧急：项目部门口的路灯坏了')).toBe('其他·紧急');
  });

  it('makes a report that starts with ! or ！ urgent, and drops the mark', () => {
    for (const bang of ['!', '！', '! ']) {
      const c = classify(`${bang}网上有人造谣`);
      expect(c).toMatchObject({ category: '网络', urgency: 'urgent', description: '网上有人造谣' });
    }
    // Only a leading mark counts.
    expect(read('网上有人造谣!')).toBe('网络·一般');
  });

  it('leaves the other categories normal', () => {
    expect(read('网上有人造谣')).toBe('网络·一般');
  });
});

describe('an explicit #类别 tag', () => {
  it('wins over the phrases and is cut from the description', () => {
    expect(classify('#纠纷 拆迁户说电缆从他家地里过，要补偿')).toMatchObject({ category: '纠纷', explicit: true, description: '拆迁户说电缆从他家地里过，要补偿' });
    expect(classify('仓库里的钢筋少了一吨 #盗窃')).toMatchObject({ category: '盗窃', urgency: 'normal', explicit: true, description: '仓库里的钢筋少了一吨' });
  });

  it('sets the urgency of its category', () => {
    expect(classify('#阻工 门口又有人在闹')).toMatchObject({ category: '阻工', urgency: 'urgent', explicit: true });
    expect(classify('#其他 渣土车被拦住了')).toMatchObject({ category: '其他', urgency: 'normal', explicit: true });
  });

  it('may be written in Traditional characters; the description stays as typed', () => {
    expect(classify('#盜竊 倉庫鋼筋少了一噸')).toMatchObject({ category: '盗窃', explicit: true, description: '倉庫鋼筋少了一噸' });
  });

  it('is not a tag when a word runs on after it', () => {
    expect(classify('#阻工队伍的事下次再说')).toMatchObject({ explicit: false });
  });
});

describe('phrases with gaps', () => {
  it('match across the words people put between the parts', () => {
    expect(detectCategory('他们拦下了我们两台车')?.category).toBe('阻工');
    expect(detectCategory('村里不让咱们的车进场')).toEqual({ category: '阻工', phrase: '不让…进场' });
    expect(detectCategory('要我们交钱才让干')).toEqual({ category: '强揽', phrase: '交钱…才让' });
  });

  it('match nothing when the parts are more than six characters apart', () => {
    // 不让 … 进场 with seven characters between.
    expect(detectCategory('不让今天新来的一批人进场')).toBeNull();
    expect(detectCategory('不让新来的一批人进场')?.phrase).toBe('不让…进场');
  });

  it('do not reach across the end of a clause', () => {
    expect(detectCategory('这次会议不让带手机，进场前请交给门卫')).toBeNull();
    expect(detectCategory('不让带手机进场')?.phrase).toBe('不让…进场');
  });
});

describe('the phrase table after a build', () => {
  it('is found from dist/, as `npm start` runs it', () => {
    // vitest's global setup has built dist/; this is the module the server loads.
    const script = `import('${join(ROOT, 'dist', 'src', 'tickets', 'classify.js')}').then((m) => console.log(JSON.stringify(m.detectCategory('有人把路堵了'))))`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: '/', encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ category: '阻工', phrase: '把路堵' });
  });
});
