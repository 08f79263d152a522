"""Name pools for synthetic filings: cities, brands split by dev/held-out, people, products, institutions."""

from __future__ import annotations

import random
from dataclasses import dataclass

SPLITS = ("dev", "heldout")


@dataclass(frozen=True)
class District:
    name: str
    code: str


@dataclass(frozen=True)
class City:
    """A city (or county-level city) with its bureau code and the districts its firms register in."""

    name: str
    code: str
    bureau: str
    districts: tuple[District, ...]
    streets: tuple[str, ...]
    abbr: str = ""
    """Initials used in report numbers of local test firms, e.g. SZ for 苏州."""

    @property
    def full_name(self) -> str:
        return f"{self.name}县" if self.code == "321322" else f"{self.name}市"


def _districts(*pairs: tuple[str, str]) -> tuple[District, ...]:
    return tuple(District(name, code) for name, code in pairs)


JIANGSU_CITIES: tuple[City, ...] = (
    City("南京", "320100", "320100",
         _districts(("玄武区", "320102"), ("秦淮区", "320104"), ("建邺区", "320105"),
                    ("鼓楼区", "320106"), ("栖霞区", "320113"), ("雨花台区", "320114"),
                    ("江宁区", "320115")),
         ("软件大道", "雨花大道", "江东中路", "中山东路", "文澜路", "秣周东路", "紫东路"), abbr="NJ"),
    City("无锡", "320200", "320200",
         _districts(("梁溪区", "320213"), ("新吴区", "320214"), ("滨湖区", "320211")),
         ("清源路", "菱湖大道", "太湖大道", "震泽路", "新华路", "和风路"), abbr="WX"),
    City("徐州", "320300", "320300",
         _districts(("云龙区", "320303"), ("泉山区", "320311"), ("铜山区", "320312")),
         ("软件园路", "和平大道", "解放南路", "金山东路", "科技路"), abbr="XZ"),
    City("常州", "320400", "320400",
         _districts(("天宁区", "320402"), ("新北区", "320411"), ("武进区", "320412")),
         ("常武中路", "太湖东路", "龙锦路", "晋陵北路", "汉江路"), abbr="CZ"),
    City("苏州", "320500", "320500",
         _districts(("虎丘区", "320505"), ("吴中区", "320506"), ("相城区", "320507"),
                    ("姑苏区", "320508"), ("吴江区", "320509")),
         ("星湖街", "金鸡湖大道", "竹园路", "东吴北路", "太湖西路", "苏州大道东", "澄阳路"), abbr="SZ"),
    City("南通", "320600", "320600",
         _districts(("崇川区", "320602"), ("通州区", "320612"), ("海门区", "320614")),
         ("崇川路", "世纪大道", "青年东路", "工农路", "新开南路"), abbr="NT"),
    City("连云港", "320700", "320700",
         _districts(("海州区", "320706"), ("连云区", "320703")),
         ("苍梧路", "朝阳东路", "科苑路", "海连东路"), abbr="LYG"),
    City("淮安", "320800", "320800",
         _districts(("清江浦区", "320812"), ("淮安区", "320803")),
         ("枚乘东路", "健康东路", "翔宇大道", "深圳路"), abbr="HA"),
    City("盐城", "320900", "320900",
         _districts(("亭湖区", "320902"), ("盐都区", "320903")),
         ("世纪大道", "开放大道", "希望大道", "解放南路"), abbr="YC"),
    City("扬州", "321000", "321000",
         _districts(("广陵区", "321002"), ("邗江区", "321003")),
         ("文昌西路", "邗江中路", "江阳中路", "维扬路"), abbr="YZ"),
    City("镇江", "321100", "321100",
         _districts(("京口区", "321102"), ("润州区", "321111"), ("丹徒区", "321112")),
         ("学府路", "南徐大道", "长江路", "解放路"), abbr="ZJ"),
    City("泰州", "321200", "321200",
         _districts(("海陵区", "321202"), ("高港区", "321203")),
         ("凤凰东路", "海陵南路", "济川东路", "青年南路"), abbr="TZ"),
    City("宿迁", "321300", "321300",
         _districts(("宿城区", "321302"), ("宿豫区", "321311")),
         ("洪泽湖路", "发展大道", "西湖路", "人民大道"), abbr="SQ"),
    City("昆山", "320583", "320583", _districts(("", "320583")),
         ("前进东路", "祖冲之南路", "萧林路", "伟业路", "长江南路"), abbr="KS"),
    City("泰兴", "321283", "321283", _districts(("", "321283")),
         ("国庆东路", "文昌东路", "羌溪路"), abbr="TX"),
    City("沭阳", "321322", "321322", _districts(("", "321322")),
         ("迎宾大道", "人民中路", "上海北路"), abbr="SY"),
)  # fmt: skip

SHANGHAI = City(
    "上海", "310100", "310100",
    _districts(("浦东新区", "310115"), ("闵行区", "310112"), ("徐汇区", "310104")),
    ("张江路", "碧波路", "宜山路", "漕宝路", "金科路"),
    "SH",
)  # fmt: skip

# Brands are first + second syllable; the first syllables are disjoint by split, so a held-out
# brand (and every company or product name built from it) never occurs in the dev split.
BRAND_FIRST = {
    "dev": "云科华博恒智瑞安朗德汇联新中",
    "heldout": "星锦拓启睿鼎航景迅泓卓宏昊易",
}
BRAND_SECOND = "帆信达创通迈捷越途海盛远图维驰腾领天源谷微力泰晟翼澜峰川宁方"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
)
# Every given name holds one character of its split's pool, so full names never cross splits.
GIVEN_SPLIT = {
    "dev": "伟芳娜敏静强磊军洋勇艳杰娟涛明超秀霞平刚",
    "heldout": "桂英玉萍红鹏辉飞宇浩凯健俊雪琳晨欣婷峻岚",
}
GIVEN_SHARED = "文建国志海小永春晓立学德子嘉思一家振"

INDUSTRY = ("软件科技", "信息技术", "软件技术", "智能科技", "数据科技", "网络科技", "信息科技",
            "电子科技", "物联网科技", "数字科技")  # fmt: skip

USER_INDUSTRY = ("精密机械", "电子", "汽车零部件", "纺织", "新材料", "医药", "物流", "建设工程",
                 "环保科技", "水务", "食品", "装备制造", "能源")  # fmt: skip

PRODUCT_DOMAINS: dict[str, tuple[str, ...]] = {
    "工业软件": ("智能制造执行", "设备远程运维", "工业视觉检测", "产品生命周期管理", "生产排程优化",
             "工业互联网标识解析", "质量追溯管理"),
    "平台软件": ("工业互联网", "数据中台", "低代码开发", "物联网设备接入", "多云管理"),
    "支撑软件": ("分布式消息中间件", "容器云管理", "统一身份认证", "微服务治理"),
    "基础软件": ("分布式数据库", "国产化操作系统适配", "时序数据库"),
    "信息安全软件": ("网络安全态势感知", "数据防泄漏", "零信任访问控制", "终端安全管理"),
    "人工智能软件": ("智能语音客服", "视频结构化分析", "知识图谱构建", "智能质检"),
    "行业应用软件": ("智慧水务", "智慧园区综合管理", "城市部件巡检", "电子病历", "智慧教育资源",
               "政务服务一网通办", "安全生产风险预警", "能耗监测", "供应链协同", "冷链物流追溯"),
    "5G相关软件": ("5G专网管理", "5G边缘计算调度"),
    "嵌入式系统软件": ("车载智能终端", "智能电表嵌入式", "工业网关嵌入式"),
}  # fmt: skip
PRODUCT_SUFFIX = ("系统", "平台", "软件", "管理系统", "管理平台", "云平台", "分析系统", "平台软件")

COMPANY_TYPES = (
    "有限责任公司（自然人投资或控股）",
    "有限责任公司（法人独资）",
    "有限责任公司（自然人独资）",
    "有限责任公司（非自然人投资或控股的法人独资）",
)
JOINT_STOCK_TYPE = "股份有限公司（非上市、自然人投资或控股）"

BUSINESS_SCOPE_PHRASES = (
    "软件开发", "信息系统集成服务", "信息技术咨询服务", "数据处理和存储支持服务",
    "人工智能应用软件开发", "物联网技术服务", "计算机系统服务", "网络技术服务",
    "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "工业互联网数据服务",
    "计算机软硬件及辅助设备零售", "电子产品销售", "智能控制系统集成", "信息系统运行维护服务",
    "数字视频监控系统销售", "网络与信息安全软件开发", "云计算装备技术服务", "大数据服务",
)  # fmt: skip

# Institutions on the Jiangsu 2021 list (validators/campaigns/jiangsu-2021-first-edition.yaml),
# with the report-number pattern each prints: {y} year, {n4} four digits.
QUALIFIED_INSTITUTIONS: dict[str, str] = {
    "江苏省软件产品检测中心": "JSSTC-{y}-R{n4}",
    "中国软件评测中心": "{y}CSTC-FX{n4}",
    "上海市软件评测中心有限公司": "SSTC{y}Q{n4}",
    "山东省软件评测中心": "SDSTC-{y}-{n4}",
    "福建省软件评测中心": "FJSTC{y}-RJ{n4}",
    "北京软件产品质量检测检验中心": "BSTC-{y}-F{n4}",
}
UNQUALIFIED_PATTERN = "{abbr}CS-{y}-{n3}"

STANDARD_5116 = "GB/T 25000.51-2016"
STANDARD_TITLES: dict[str, str] = {
    "GB/T 25000.51-2016": "《系统与软件工程 系统与软件质量要求和评价（SQuaRE）第51部分：就绪可用软件产品（RUSP）的质量要求和测试细则》",
    "GB/T 25000.10-2016": "《系统与软件工程 系统与软件质量要求和评价（SQuaRE）第10部分：系统与软件质量模型》",
    "GB/T 16260-2006": "《软件工程 产品质量》",
    "GB/T 25000.51-2010": "《软件工程 软件产品质量要求与评价（SQuaRE）商业现货（COTS）软件产品的质量要求和测试细则》",
}  # fmt: skip
WRONG_STANDARDS = ("GB/T 25000.10-2016", "GB/T 16260-2006", "GB/T 25000.51-2010")
TEST_CATEGORIES = ("登记检测", "确认测试", "产品鉴定检测", "软件产品登记测试")
HOLDER_INSTITUTES = ("南京大学", "东南大学", "江南大学", "苏州大学", "南京邮电大学", "河海大学")


class NamePools:
    """Draws names for one split; every brand-bearing name is built from the split's own brands."""

    def __init__(self, split: str):
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
        self.split = split
        self.brand_first = BRAND_FIRST[split]
        self.given = GIVEN_SPLIT[split]

    def brand(self, rng: random.Random) -> str:
        first = rng.choice(self.brand_first)
        return first + rng.choice([c for c in BRAND_SECOND if c != first])

    def all_brands(self) -> set[str]:
        return {f + s for f in self.brand_first for s in BRAND_SECOND if s != f}

    def person(self, rng: random.Random) -> str:
        own = rng.choice(self.given)
        if rng.random() < 0.3:
            return rng.choice(SURNAMES) + own
        shared = rng.choice(GIVEN_SHARED)
        return rng.choice(SURNAMES) + (shared + own if rng.random() < 0.5 else own + shared)

    def company(self, rng: random.Random, city: City, brand: str, joint_stock: bool) -> str:
        industry = rng.choice(INDUSTRY)
        tail = "股份有限公司" if joint_stock else "有限公司"
        style = rng.random()
        if style < 0.55:
            return f"{city.name}{brand}{industry}{tail}"
        if style < 0.8:
            return (
                f"江苏{brand}{industry}{tail}"
                if city.code.startswith("32")
                else f"上海{brand}{industry}{tail}"
            )
        return f"{brand}（{city.name}）{industry}{tail}"

    def other_company(self, rng: random.Random, city: City) -> str:
        return self.company(rng, city, self.brand(rng), joint_stock=rng.random() < 0.2)

    def user_organization(self, rng: random.Random, city: City) -> str:
        style = rng.random()
        if style < 0.75:
            tail = rng.choice(("有限公司", "股份有限公司", "集团有限公司"))
            return f"{city.name}{self.brand(rng)}{rng.choice(USER_INDUSTRY)}{tail}"
        if style < 0.88:
            return f"{city.full_name}第{rng.choice('一二三四五六七')}人民医院"
        district = rng.choice(city.districts).name or ""
        office = rng.choice(("城市管理局", "水务局", "行政审批局", "应急管理局", "数据局"))
        return f"{city.full_name}{district}{office}"

    def product(self, rng: random.Random, brand: str) -> tuple[str, str]:
        """A product name (without version) and its category."""
        category = rng.choice(sorted(PRODUCT_DOMAINS))
        domain = rng.choice(PRODUCT_DOMAINS[category])
        return f"{brand}{domain}{rng.choice(PRODUCT_SUFFIX)}", category

    def address(self, rng: random.Random, city: City, district: District) -> str:
        street = rng.choice(city.streets)
        number = rng.randint(1, 999)
        tail = rng.choice(
            ("", f"{rng.randint(1, 30)}幢{rng.randint(1, 20)}{rng.randint(1, 20):02d}室",
             f"{rng.choice('ABCD')}座{rng.randint(2, 25)}层", f"{rng.randint(1, 12)}号楼")
        )  # fmt: skip
        return f"{city.full_name}{district.name}{street}{number}号{tail}"

    def business_scope(self, rng: random.Random) -> str:
        phrases = rng.sample(BUSINESS_SCOPE_PHRASES, rng.randint(5, 11))
        licensed = "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"
        return (
            "许可项目：第二类增值电信业务。一般项目：" * (rng.random() < 0.2)
            + "；".join(phrases)
            + "。"
            + licensed
        )
