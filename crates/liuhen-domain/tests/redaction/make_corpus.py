#!/usr/bin/env python3
"""Writes corpus.json: 50 decision texts (行政处罚决定书 and others) written for the redaction tests,
each with the identifiers planted in it (which must all be masked) and the organisation data it names
(which must all stay). Deterministic: run it again and the same file comes out."""

import json
import random
from pathlib import Path

rng = random.Random(20261203)

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
COMPOUND = ["欧阳", "司马", "诸葛", "上官"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红玉兰文辉志鹏飞宇浩然晨曦思远")
REGIONS = [("330102", "浙江省", "杭州市", "上城区"), ("330106", "浙江省", "杭州市", "西湖区"),
           ("320102", "江苏省", "南京市", "玄武区"), ("440106", "广东省", "广州市", "天河区"),
           ("510104", "四川省", "成都市", "锦江区"), ("110105", "北京市", "", "朝阳区"),
           ("310104", "上海市", "", "徐汇区"), ("420106", "湖北省", "武汉市", "武昌区")]
ROADS = ["江滨路", "解放路", "人民路", "建设街", "中山大道", "文三路", "和平里", "学院路", "长江路", "平安巷"]
SHOPS = ["鲜丰超市", "百姓大药房", "老街餐馆", "顺达汽车修理", "华联便利店", "金诚建材", "绿源农资", "新华书店", "星光网吧", "益民粮油"]
KINDS = ["有限公司", "经营部", "商行", "有限责任公司"]
PLATES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def name():
    s = rng.choice(COMPOUND) if rng.random() < 0.1 else rng.choice(SURNAMES)
    return s + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def resident_id(region):
    y, m, d = rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)
    first = f"{region}{y:04d}{m:02d}{d:02d}{rng.randint(0, 999):03d}"
    return first + ID_CHECK[sum(int(c) * w for c, w in zip(first, ID_WEIGHTS)) % 11]


def uscc(region):
    first = "91" + region + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    v = sum(USCC_CHARS.index(c) * w for c, w in zip(first, USCC_WEIGHTS))
    return first + USCC_CHARS[(31 - v % 31) % 31]


def luhn_complete(prefix, length):
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        digits = body + check
        total = 0
        for k, ch in enumerate(reversed(digits)):
            d = int(ch)
            if k % 2 == 1:
                d *= 2
                if d > 9:
                    d -= 9
            total += d
        if total % 10 == 0:
            return digits
    raise AssertionError


def mobile():
    return "1" + rng.choice("3456789") + "".join(str(rng.randint(0, 9)) for _ in range(9))


def landline():
    return rng.choice(["0571", "025", "020", "028", "010", "021"]) + "-" + str(rng.randint(2, 8)) + "".join(
        str(rng.randint(0, 9)) for _ in range(7))


def plate():
    return rng.choice(PLATES) + rng.choice(PLATE_LETTERS) + rng.choice(["", "·"]) + "".join(
        rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5))


def email(n):
    return rng.choice(["zhang", "li", "wang", "chen", "liu"]) + str(rng.randint(10, 9999)) + "@" + rng.choice(
        ["163.com", "qq.com", "126.com", "example.cn", "sina.com"])


def address(region):
    _, prov, city, district = region
    road = rng.choice(ROADS)
    detail = f"{road}{rng.randint(1, 300)}号"
    if rng.random() < 0.5:
        detail += f"{rng.randint(1, 20)}幢{rng.randint(101, 1502)}室"
    return prov + city + district, detail


TEMPLATES = ["penalty", "no_penalty", "seizure", "release", "correction", "licence"]


def text_for(i):
    region = rng.choice(REGIONS)
    code, prov, city, district = region
    person = name()
    pid = resident_id(code)
    keep_addr, detail = address(region)
    phone = mobile()
    tel = landline()
    company = f"{city or prov}{rng.choice(SHOPS)}{rng.choice(KINDS)}"
    credit = uscc(code)
    legal = name()
    witness = name()
    account = luhn_complete(rng.choice(["622202", "621700", "622848", "623668"]), rng.choice([16, 19]))
    car = plate()
    mail = email(i)
    amount = rng.choice([2000, 5000, 8000, 20000, 50000, 100000])
    kind = TEMPLATES[i % len(TEMPLATES)]
    agency = f"{city or prov}市场监督管理局"
    number = f"{(city or prov)[:2]}市监罚〔2026〕{i + 1}号"
    natural = i % 2 == 0
    planted = []
    kept = [company, credit, agency, number]
    if natural:
        party = (f"当事人：{person}，性别：{rng.choice('男女')}，身份证号：{pid}，住址：{keep_addr}{detail}，"
                 f"联系电话：{phone}。")
        planted += [("person_name", person), ("resident_id", pid), ("address", detail), ("phone", phone)]
        persons = [person]
        kept.remove(company)
        kept.remove(credit)
    else:
        party = (f"当事人：{company}，统一社会信用代码：{credit}，住所：{keep_addr}{detail}，"
                 f"法定代表人：{legal}，联系电话：{tel}。")
        planted += [("person_name", legal), ("address", detail), ("phone", tel)]
        persons = []
    facts = {
        "penalty": f"{datetime_text()}，本局执法人员对当事人经营场所进行检查，发现当事人销售超过保质期的食品，"
                   f"现场见证人：{witness}。",
        "no_penalty": f"经查，当事人初次违法且危害后果轻微并及时改正，有证人：{witness}的证言为证。",
        "seizure": f"本局依法对当事人使用的车辆{car}及其装载的物品实施扣押，扣押期限三十日。",
        "release": f"经检测，扣押的物品符合标准，决定解除对车辆{car}的扣押，退还当事人。",
        "correction": f"当事人通过电子邮箱{mail}提交的整改报告显示，相关问题已于{datetime_text()}改正。",
        "licence": f"申请人提交的材料齐全，收款账户：{account}，联系人：{witness}。",
    }[kind]
    if kind in ("penalty", "no_penalty", "licence"):
        planted.append(("person_name", witness))
    if kind in ("seizure", "release"):
        planted.append(("plate", car))
    if kind == "correction":
        planted.append(("email", mail))
    if kind == "licence":
        planted.append(("bank_account", account))
    title = {"penalty": "行政处罚决定书", "no_penalty": "不予行政处罚决定书", "seizure": "查封扣押决定书",
             "release": "解除查封扣押决定书", "correction": "责令改正通知书", "licence": "行政许可决定书"}[kind]
    decision = {
        "penalty": f"依据《中华人民共和国食品安全法》第一百二十四条，决定没收违法所得并处罚款{amount}元。"
                   f"罚款请于十五日内缴至指定银行账号：{account}。",
        "no_penalty": "依据《中华人民共和国行政处罚法》第三十三条第一款，决定不予行政处罚。",
        "seizure": "当事人如不服本决定，可以在六十日内申请行政复议或者在六个月内提起行政诉讼。",
        "release": f"如有疑问请联系承办人，电话{tel}。",
        "correction": f"请于{rng.randint(5, 30)}日内改正，逾期不改正的，依法处理。",
        "licence": "准予行政许可，有效期五年。",
    }[kind]
    if kind == "penalty":
        planted.append(("bank_account", account))
    if kind == "release" and natural:
        planted.append(("phone", tel))
    elif kind == "release":
        pass  # the company's telephone is planted already
    body = f"{agency}\n{title}\n{number}\n\n{party}\n{facts}\n{decision}\n\n{agency}\n2026年{rng.randint(1, 11)}月{rng.randint(1, 28)}日"
    return {"kind": title, "text": body, "persons": persons,
            "planted": [{"kind": k, "value": v} for k, v in dict.fromkeys(planted)],
            "kept": kept}


def datetime_text():
    return f"2026年{rng.randint(1, 11)}月{rng.randint(1, 28)}日"


corpus = [text_for(i) for i in range(60)]
out = Path(__file__).with_name("corpus.json")
out.write_text(json.dumps(corpus, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"{len(corpus)} texts, {sum(len(c['planted']) for c in corpus)} planted identifiers -> {out}")
