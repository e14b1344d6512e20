//! Realistic sample data for the ten base formats (feature `samples`): for tests, benchmarks, demos.
//!
//! The agency, people and company are invented; the identity numbers carry valid check characters.

use serde_json::{Map, Value, json};

use crate::prefill::{ActFacts, CaseFacts};
use crate::value::{IdKind, Officer, Party};

/// The company party used in the samples.
pub const COMPANY: &str = "临海市味佳餐饮管理有限公司";
/// Its 统一社会信用代码 (valid GB 32100 check character).
pub const COMPANY_USCC: &str = "91331082MA2K7Q3P5M";

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
                id: Some("act-0002".to_owned()),
                kind: "询问".to_owned(),
                start: "2026-10-15 14:00".to_owned(),
                end: "2026-10-15 15:20".to_owned(),
                place: "临海市市场监督管理局询问室（一）".to_owned(),
            },
        ],
        amount_fen: Some(5_000_000),
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
            "items": "“鲜香牌”调味酱12瓶（生产日期2026年7月1日，规格500克/瓶）", "start_date": "2026-10-12",
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
