//! Realistic sample data for the base formats (feature `samples`): for tests, benchmarks, demos.
//!
//! The agency, people and company are invented; the identity numbers carry valid check characters.

use serde_json::{Map, Value, json};

use crate::prefill::{ActFacts, CaseFacts};
use crate::value::{IdKind, Officer, Party};

/// The company party used in the samples.
pub const COMPANY: &str = "临海市味佳餐饮管理有限公司";
/// Its 统一社会信用代码 (valid GB 32100 check character).
pub const COMPANY_USCC: &str = "91331082MA2K7Q3P5M";

/// The agency in the 强制拆除 samples (demolition is not a market regulator's power).
pub const DEMOLITION_AGENCY: &str = "临海市综合行政执法局";

/// A case against a restaurant company for selling food past its shelf life.
pub fn case_facts() -> CaseFacts {
    CaseFacts {
        agency_name: "临海市市场监督管理局".to_owned(),
        agency_short_name: "临市监".to_owned(),
        case_number: "临市监立〔2026〕88号".to_owned(),
        case_title: "临海市味佳餐饮管理有限公司经营超过保质期的食品".to_owned(),
        parties: vec![Party::Organisation {
            name: COMPANY.to_owned(),
            uscc: COMPANY_USCC.to_owned(),
            legal_representative: Some("王建国".to_owned()),
            address: Some("浙江省临海市古城街道崇和路188号".to_owned()),
            phone: Some("0576-85123456".to_owned()),
        }],
        officers: vec![
            Officer { name: "李明".to_owned(), cert_no: "33100120001".to_owned() },
            Officer { name: "陈静".to_owned(), cert_no: "33100120002".to_owned() },
        ],
        acts: vec![
            ActFacts {
                id: Some("act-0001".to_owned()),
                kind: "现场检查".to_owned(),
                start: "2026-10-12 09:30".to_owned(),
                end: "2026-10-12 10:40".to_owned(),
                place: "临海市古城街道崇和路188号味佳餐厅后厨及仓库".to_owned(),
            },
            ActFacts {
                id: Some("act-0003".to_owned()),
                kind: "抽样取证".to_owned(),
                start: "2026-10-12 10:05".to_owned(),
                end: "2026-10-12 10:25".to_owned(),
                place: "临海市古城街道崇和路188号味佳餐厅仓库".to_owned(),
            },
            ActFacts {
                id: Some("act-0004".to_owned()),
                kind: "查封扣押".to_owned(),
                start: "2026-10-12 10:45".to_owned(),
                end: "2026-10-12 11:20".to_owned(),
                place: "临海市古城街道崇和路188号味佳餐厅后厨".to_owned(),
            },
            ActFacts {
                id: Some("act-0002".to_owned()),
                kind: "询问".to_owned(),
                start: "2026-10-15 14:00".to_owned(),
                end: "2026-10-15 15:20".to_owned(),
                place: "临海市市场监督管理局询问室（一）".to_owned(),
            },
            ActFacts {
                id: Some("act-0005".to_owned()),
                kind: "听证".to_owned(),
                start: "2026-11-16 09:30".to_owned(),
                end: "2026-11-16 11:05".to_owned(),
                place: "临海市市场监督管理局听证室".to_owned(),
            },
        ],
        amount_fen: Some(5_000_000),
        extension: Some(crate::ExtensionFacts {
            days: 30,
            original_end: "2026-10-31".to_owned(),
            new_start: "2026-11-01".to_owned(),
            new_end: "2026-11-30".to_owned(),
            reason: "涉案商品需送检，检验周期较长，案情复杂".to_owned(),
        }),
    }
}

/// A natural person (for the inquiry record).
pub fn person() -> Party {
    Party::NaturalPerson {
        name: "王建国".to_owned(),
        id_kind: IdKind::ResidentIdCard,
        id_number: "331082198503120011".to_owned(),
        phone: Some("13905761234".to_owned()),
        address: Some("浙江省临海市古城街道赤城路12号".to_owned()),
    }
}

/// The 违法事实 of the sample case; `repeat` > 1 adds detailed findings to make it long.
pub fn facts(repeat: usize) -> String {
    let mut text = "2026年10月12日，本机关执法人员对当事人位于临海市古城街道崇和路188号的经营场所进行现场检查，发现当事人后厨冷藏柜内存放有标注生产日期为2026年7月1日、保质期为90日的“鲜香牌”调味酱12瓶，已超过保质期，用于当日菜品加工。经查，当事人于2026年9月购进上述调味酱共计30瓶，购进价每瓶18元，已使用18瓶，违法所得无法计算。".to_owned();
    for i in 1..repeat {
        text.push('\n');
        text.push_str(&format!(
            "补充查明事项{i}：执法人员调取了当事人2026年9月至10月的进货台账、销售记录及监控录像，当事人未建立食品进货查验记录制度，未定期检查库存食品并及时清理变质或者超过保质期的食品；当事人法定代表人王建国在询问中承认上述事实，并对检查中发现的问题未提出异议。"
        ));
    }
    text
}

/// Complete values of a base format for the sample case (prefilled fields included), or `None` for
/// an unknown code.
pub fn values(code: &str) -> Option<Value> {
    let case = case_facts();
    let party = serde_json::to_value(case.parties.first()?).ok()?;
    let officers = serde_json::to_value(&case.officers).ok()?;
    let agency = case.agency_name.clone();
    let title = case.case_title.clone();
    let v = match code {
        "case_filing_approval" => json!({
            "agency_name": agency, "case_number": case.case_number, "case_title": title,
            "case_source": "投诉、申诉、举报", "source_date": "2026-10-10", "party": party,
            "brief_facts": "2026年10月10日，本机关接到消费者投诉，反映当事人使用过期调味酱加工菜品。",
            "filing_basis": "《中华人民共和国食品安全法》第五十三条、第一百二十四条；《市场监督管理行政处罚程序规定》第十八条",
            "officers": officers, "handler_opinion": "当事人涉嫌经营超过保质期的食品，符合立案条件，建议立案调查。",
            "handler_sign": {"name": "李明", "date": "2026-10-11"},
            "department_opinion": "同意立案。", "chief_opinion": "同意。",
            "chief_sign": {"name": "周国平", "date": "2026-10-11"}
        }),
        "onsite_inspection_record" => json!({
            "agency_name": agency, "party": party, "on_site_person": "王建国", "on_site_person_title": "法定代表人",
            "inspection_date": "2026-10-12", "start_time": "09:30", "end_time": "10:40",
            "place": "临海市古城街道崇和路188号味佳餐厅后厨及仓库",
            "act": {"id": "act-0001", "kind": "现场检查", "start": "2026-10-12 09:30", "end": "2026-10-12 10:40",
                    "place": "临海市古城街道崇和路188号味佳餐厅后厨及仓库"},
            "officers": officers, "recorder": "陈静",
            "identity_notice": "执法人员：我们是临海市市场监督管理局的执法人员李明、陈静，执法证号分别为33100120001、33100120002，这是我们的执法证件，请你过目确认。\n当事人：看清楚了。",
            "inspection_content": "后厨冷藏柜内存放“鲜香牌”调味酱12瓶，标注生产日期2026年7月1日，保质期90日，已超过保质期；现场有使用痕迹。",
            "av_recording": "全程音像记录", "party_opinion": "以上笔录我已看过，与事实相符。"
        }),
        "inquiry_record" => json!({
            "agency_name": agency, "case_title": title, "inquiry_date": "2026-10-15", "start_time": "14:00",
            "end_time": "15:20", "place": "临海市市场监督管理局询问室（一）",
            "act": {"id": "act-0002", "kind": "询问", "start": "2026-10-15 14:00", "end": "2026-10-15 15:20",
                    "place": "临海市市场监督管理局询问室（一）"},
            "interviewee": serde_json::to_value(person()).ok()?, "gender": "男", "employer": "临海市味佳餐饮管理有限公司 法定代表人",
            "relation": "当事人的法定代表人", "officers": officers, "recorder": "陈静",
            "identity_notice": "执法人员出示了执法证件，告知了申请回避的权利和如实回答询问的义务。",
            "qa": "问：冷藏柜内的“鲜香牌”调味酱是什么时候购进的？\n答：2026年9月初从批发市场购进，共30瓶。\n问：是否知道已经过期？\n答：没有注意到，是我们管理不到位。",
            "interviewee_statement": "以上笔录我已看过，与我所说的相符。"
        }),
        "seizure_decision" => json!({
            "agency_name": agency, "party": party, "measure": "扣押",
            "reason": "你单位涉嫌经营超过保质期的食品，为防止证据损毁、危害发生",
            "legal_basis": "《中华人民共和国食品安全法》第一百一十条第四项",
            "items": "“鲜香牌”调味酱12瓶（生产日期2026年7月1日，规格500克/瓶）；“鲜香牌”调味酱6瓶（生产日期2026年9月1日，规格500克/瓶）", "start_date": "2026-10-12",
            "end_date": "2026-11-10", "custody": "由本机关异地保管",
            "review_agency": "临海市人民政府", "court": "临海市人民法院", "decision_date": "2026-10-12"
        }),
        "penalty_prior_notice" => json!({
            "agency_name": agency, "party": party, "case_title": title, "facts": facts(1),
            "evidence": "1.现场检查笔录及现场照片；2.询问笔录；3.进货票据复印件；4.扣押物品清单。",
            "law_violated": "《中华人民共和国食品安全法》第三十四条第十项",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款第五项",
            "proposed_penalty": "1.没收超过保质期的调味酱12瓶；2.罚款人民币50000元。", "fine_amount": "50000.00",
            "hearing_right": "享有听证权利", "contact_person": "李明", "contact_phone": "0576-85201234",
            "agency_address": "临海市大洋街道东方大道1号", "notice_date": "2026-11-02"
        }),
        "hearing_notice" => json!({
            "agency_name": agency, "party": party, "case_title": title, "application_date": "2026-11-05",
            "hearing_date": "2026-11-16", "hearing_time": "09:30", "hearing_place": "临海市市场监督管理局听证室",
            "publicity": "公开举行", "host": "赵立新", "members": "钱进、孙悦", "clerk": "吴芳",
            "contact_person": "李明", "contact_phone": "0576-85201234", "notice_date": "2026-11-06"
        }),
        "penalty_decision" => json!({
            "agency_name": agency, "party": party, "case_title": title, "facts": facts(1),
            "evidence": "1.现场检查笔录及现场照片，证明当事人经营场所存放超过保质期的调味酱；\n2.询问笔录，证明当事人购进及使用情况；\n3.进货票据复印件，证明购进数量及价格。",
            "law_violated": "《中华人民共和国食品安全法》第三十四条第十项",
            "statement_review": "当事人在法定期限内未提出陈述、申辩意见，也未要求听证。",
            "discretion": "当事人系初次违法，且能积极配合调查，依据《浙江省市场监督管理行政处罚裁量基准》，予以从轻处罚。",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款第五项",
            "penalty": "1.没收超过保质期的“鲜香牌”调味酱12瓶；\n2.罚款人民币50000元。", "fine_amount": "50000.00",
            "payment": "当事人应当自收到本决定书之日起十五日内，持本决定书到指定银行缴纳罚款，或者通过浙江政务服务网在线缴纳。",
            "review_agency": "临海市人民政府", "court": "临海市人民法院", "decision_date": "2026-11-27"
        }),
        "no_penalty_decision" => json!({
            "agency_name": agency, "party": party, "case_title": title,
            "facts": "当事人于2026年10月在其经营场所存放超过保质期的调味酱2瓶，尚未用于加工销售，发现后当即自行下架销毁。",
            "evidence": "1.现场检查笔录及现场照片；\n2.询问笔录。",
            "ground": "初次违法且危害后果轻微并及时改正",
            "reasoning": "当事人系初次违法，涉案食品未售出，危害后果轻微，且已及时改正。",
            "legal_basis": "《中华人民共和国行政处罚法》第三十三条第一款",
            "correction": "本机关已对当事人进行教育，责令其建立食品保质期定期检查制度。",
            "review_agency": "临海市人民政府", "court": "临海市人民法院", "decision_date": "2026-11-27"
        }),
        "service_receipt" => json!({
            "agency_name": agency, "case_title": title, "documents": "行政处罚决定书（临市监罚〔2026〕12号）",
            "recipient": party, "service_place": "临海市古城街道崇和路188号", "service_method": "直接送达",
            "service_date": "2026-11-28", "service_time": "10:15", "servers": officers,
            "recipient_sign": {"name": "王建国", "date": "2026-11-28"}
        }),
        "case_closing_approval" => json!({
            "agency_name": agency, "case_number": case.case_number, "case_title": title, "party": party,
            "filing_date": "2026-10-11", "decision_number": "临市监罚〔2026〕12号",
            "outcome": "没收超过保质期的调味酱12瓶，罚款人民币50000元。",
            "execution": "当事人已于2026年12月5日缴纳罚款，没收物品已依法处理。", "paid_amount": "50000.00",
            "closing_reason": "行政处罚决定执行完毕", "officers": officers,
            "handler_opinion": "本案处罚决定已执行完毕，建议结案。", "chief_opinion": "同意结案。"
        }),
        "coercion_onsite_record" => json!({
            "agency_name": agency, "party": party, "measure": "扣押",
            "approval": "实施前已向行政机关负责人报告并经批准",
            "record_date": "2026-10-12", "start_time": "10:45", "end_time": "11:20",
            "place": "临海市古城街道崇和路188号味佳餐厅后厨",
            "act": {"id": "act-0004", "kind": "查封扣押", "start": "2026-10-12 10:45", "end": "2026-10-12 11:20",
                    "place": "临海市古城街道崇和路188号味佳餐厅后厨"},
            "officers": officers, "recorder": "陈静", "av_recording": "全程音像记录",
            "presence": "当事人到场", "on_site_person": "王建国", "on_site_person_title": "法定代表人",
            "identity_notice": "执法人员：我们是临海市市场监督管理局的执法人员李明、陈静，执法证号分别为33100120001、33100120002，这是我们的执法证件，请你过目确认。\n执法人员：现依法对你单位涉嫌经营超过保质期食品的调味酱予以扣押，告知你单位扣押的理由、依据，你单位依法享有陈述权、申辩权，以及申请行政复议、提起行政诉讼的权利。\n当事人：清楚了。",
            "onsite_content": "执法人员对后厨冷藏柜内的“鲜香牌”调味酱逐一清点：生产日期2026年7月1日的12瓶，生产日期2026年9月1日的6瓶，均为500克/瓶。执法人员当场制作查封扣押财物清单，当场交付扣押决定书（临市监强制〔2026〕3号）及清单，上述调味酱装箱加贴封条后运回本机关涉案财物保管室。",
            "party_statement": "调味酱是从批发市场进的，9月份那批应该没有问题，希望尽快检验。"
        }),
        "seizure_list" => json!({
            "agency_name": agency, "party": party, "decision_number": "临市监强制〔2026〕3号", "measure": "扣押",
            "seizure_date": "2026-10-12", "place": "临海市古城街道崇和路188号味佳餐厅后厨",
            "act": {"id": "act-0004", "kind": "查封扣押", "start": "2026-10-12 10:45", "end": "2026-10-12 11:20",
                    "place": "临海市古城街道崇和路188号味佳餐厅后厨"},
            "items": "1. “鲜香牌”调味酱，500克/瓶，生产日期2026年7月1日，12瓶，已过保质期，外包装完好\n2. “鲜香牌”调味酱，500克/瓶，生产日期2026年9月1日，6瓶，外包装完好",
            "total": "2项，共18瓶", "custody": "装箱加贴封条，存放于本机关涉案财物保管室", "officers": officers,
            "party_sign": {"name": "王建国", "date": "2026-10-12"}
        }),
        "seizure_extension_decision" => json!({
            "agency_name": agency, "party": party, "original_decision": "临市监强制〔2026〕3号",
            "original_date": "2026-10-12", "measure": "扣押",
            "items": "“鲜香牌”调味酱18瓶（详见查封扣押财物清单）", "original_end": "2026-11-10",
            "reason": "案情复杂，涉案调味酱的来源、数量及流向尚需进一步调查核实，在原扣押期限内不能作出处理决定",
            "extension_days": "30", "new_start": "2026-11-11", "new_end": "2026-12-10",
            "review_agency": "临海市人民政府", "court": "临海市人民法院", "decision_date": "2026-11-06"
        }),
        "seizure_release_decision" => json!({
            "agency_name": agency, "party": party, "original_decision": "临市监强制〔2026〕3号",
            "original_date": "2026-10-12", "measure": "扣押",
            "ground": "查封、扣押的场所、设施或者财物与违法行为无关",
            "ground_detail": "经浙江省食品药品检验研究院检验，生产日期为2026年9月1日的“鲜香牌”调味酱检验结果合格，且未超过保质期。",
            "items": "“鲜香牌”调味酱6瓶（生产日期2026年9月1日，规格500克/瓶）", "release_date": "2026-11-20",
            "return_arrangement": "请你（单位）自收到本决定书之日起十五日内，持本决定书及身份证明到本机关涉案财物保管室（临海市大洋街道东方大道1号）领取上述财物。",
            "decision_date": "2026-11-20"
        }),
        "sampling_voucher" => json!({
            "agency_name": agency, "party": party, "case_title": title, "sampling_date": "2026-10-12",
            "start_time": "10:05", "end_time": "10:25", "place": "临海市古城街道崇和路188号味佳餐厅仓库",
            "act": {"id": "act-0003", "kind": "抽样取证", "start": "2026-10-12 10:05", "end": "2026-10-12 10:25",
                    "place": "临海市古城街道崇和路188号味佳餐厅仓库"},
            "officers": officers,
            "samples": "1. “鲜香牌”调味酱，500克/瓶，生产日期2026年9月1日，抽样2瓶，抽样基数8瓶",
            "sealing": "样品装入抽样袋，当场加贴封条，由被抽样人和执法人员在封条上签名",
            "sample_storage": "常温避光保存", "testing_agency": "浙江省食品药品检验研究院", "sample_cost": "36.00",
            "party_opinion": "对抽样过程及样品无异议。", "party_sign": {"name": "王建国", "date": "2026-10-12"}
        }),
        "evidence_preservation_notice" => json!({
            "agency_name": agency, "party": party, "case_title": title,
            "reason": "当事人的进货台账、送货单据等证明违法事实的证据存在被转移、销毁的可能",
            "items": "1. 2026年9月至10月食品进货台账1本\n2. 临海市某某副食品批发部送货单3张（编号0012、0015、0021）",
            "storage_method": "异地保存", "storage_place": "临海市市场监督管理局证据保管室",
            "preservation_date": "2026-10-12", "contact_person": "李明", "contact_phone": "0576-85201234",
            "notice_date": "2026-10-12", "party_sign": {"name": "王建国", "date": "2026-10-12"}
        }),
        "hearing_record" => json!({
            "agency_name": agency, "case_title": title, "party": party,
            "party_attendee": "王建国（法定代表人）", "agent": "张晓（浙江临海某某律师事务所律师）",
            "hearing_date": "2026-11-16", "start_time": "09:30", "end_time": "11:05",
            "place": "临海市市场监督管理局听证室",
            "act": {"id": "act-0005", "kind": "听证", "start": "2026-11-16 09:30", "end": "2026-11-16 11:05",
                    "place": "临海市市场监督管理局听证室"},
            "publicity": "公开举行", "host": "赵立新", "members": "钱进、孙悦", "clerk": "吴芳",
            "investigators": officers, "recusal": "当事人未申请回避",
            "proceedings": "主持人：现在开始听证。当事人是否申请回避？\n当事人：不申请。\n案件调查人员：当事人经营超过保质期的“鲜香牌”调味酱12瓶，违反《中华人民共和国食品安全法》第三十四条第十项，建议没收超过保质期的调味酱并罚款人民币50000元。\n委托代理人：当事人系初次违法，涉案调味酱货值较小，且积极配合调查，请求从轻处罚。",
            "final_statement": "我们已经整改，请求从轻处罚。",
            "party_sign": {"name": "王建国", "date": "2026-11-16"}
        }),
        "service_notice" => json!({
            "agency_name": agency, "recipient": party, "case_title": title,
            "reason": "采用直接送达、留置送达、委托送达、邮寄送达等方式均无法送达",
            "attempts": "本机关于2026年11月28日、12月1日两次到受送达人住所直接送达，住所无人；于2026年12月2日邮寄送达，邮件被退回。",
            "documents": "行政处罚决定书（临市监罚〔2026〕12号）",
            "content": "没收超过保质期的“鲜香牌”调味酱12瓶；罚款人民币50000元，自收到行政处罚决定书之日起十五日内缴纳。",
            "collect_place": "临海市市场监督管理局（临海市大洋街道东方大道1号）",
            "remedies": "如不服上述决定，可以在公告期满之日起六十日内向临海市人民政府申请行政复议；也可以在公告期满之日起六个月内依法向临海市人民法院提起行政诉讼。",
            "medium": "临海市市场监督管理局门户网站、本机关公告栏", "contact_person": "李明",
            "contact_phone": "0576-85201234", "publish_date": "2026-12-04"
        }),
        "enforcement_demand_notice" => json!({
            "agency_name": DEMOLITION_AGENCY, "party": party,
            "prior_decision": "《责令限期拆除决定书》（临综执限拆〔2026〕5号）", "prior_decision_date": "2026-03-10",
            "obligation": "于2026年3月25日前自行拆除在临海市古城街道崇和路188号楼顶平台未经规划许可搭建的彩钢板房一处（约45平方米）。",
            "deadline": "2026-09-25", "method": "自行拆除并清运建筑垃圾", "statement_deadline": "2026-09-18",
            "consequence": "作出强制拆除决定，实施强制拆除", "contact_person": "郑浩", "contact_phone": "0576-85309876",
            "agency_address": "临海市古城街道解放路66号", "notice_date": "2026-09-15"
        }),
        "demolition_decision" => json!({
            "agency_name": DEMOLITION_AGENCY, "party": party,
            "structure": "临海市古城街道崇和路188号楼顶平台未经规划许可搭建的彩钢板房一处，钢结构，约45平方米。",
            "facts": "上述彩钢板房未取得建设工程规划许可证，属于违法建筑，无法采取改正措施消除对规划实施的影响。",
            "prior_decision": "《责令限期拆除决定书》（临综执限拆〔2026〕5号）", "prior_decision_date": "2026-03-10",
            "announcement_date": "2026-04-01", "demand_number": "临综执催〔2026〕7号", "demand_date": "2026-09-15",
            "statement_review": "你单位在催告书规定的期限内未提出陈述、申辩意见。",
            "legal_basis": "《中华人民共和国城乡规划法》第六十四条、第六十八条和《中华人民共和国行政强制法》第四十四条",
            "method": "由本机关组织实施强制拆除", "demolition_date": "2026-10-12", "demolition_time": "08:30",
            "arrangements": "请你单位在强制拆除前自行搬离彩钢板房内的物品；逾期未搬离的，本机关将登记造册后代为保管。",
            "review_agency": "临海市人民政府", "court": "临海市人民法院", "decision_date": "2026-09-28"
        }),
        _ => return None,
    };
    Some(v)
}

/// Sample values as a map, for merging.
pub fn values_map(code: &str) -> Option<Map<String, Value>> {
    match values(code)? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}
