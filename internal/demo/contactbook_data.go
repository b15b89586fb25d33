package demo

import "github.com/renrakucho/renrakucho/internal/care"

// HistoryDays is how far back the demo's contact books go: day 0 of a
// Story is this many days before today (in Japan), and the last day a
// story may use, HistoryDays-1, is yesterday.
const HistoryDays = 120

// Therapist stands, in Stories, for the tenant's rehabilitation therapist
// at the home-nursing station (ContactBook.Therapist): the resident without
// consent shares only within that facility, whose therapist differs by
// tenant.
const Therapist = "therapist"

// ContactBook is a demo tenant's contact-book data: its residents, each
// following one of the Stories, which both tenants share.
type ContactBook struct {
	// Therapist is the login that Therapist stands for.
	Therapist string
	Residents []Resident
}

// Resident is one demo resident: the person, and the Story their care
// follows. Sex must fit the story's wording.
type Resident struct {
	Story     string
	Name      string
	Kana      string
	BirthDate string
	Sex       care.Sex
	Address   string
	Phone     string
	KeyPerson string
}

// Story is a resident's care over the demo's history: who registers them
// and when, consent, the team, and the contact book. Days count from the
// start of the history; times are Japan's, "15:04".
type Story struct {
	CareLevel  care.CareLevel
	Child      bool
	Disability bool
	Notes      string
	// Owner registers the resident on Day, in the owner's first facility,
	// and invites the Team, who accept within hours.
	Owner string
	Day   int
	// Consent, obtained on Day; nil leaves the resident without consent,
	// so the team must be the owner's facility's staff.
	Consent *Consent
	Team    []string
	// Invited are invited by the Owner on InvitedDay and left pending.
	Invited    []string
	InvitedDay int
	// End, when set, ends the sharing on End.Day (the date reported).
	End   *End
	Posts []Post
}

// Consent is how a story's consent was obtained; By (a login) obtained it.
type Consent struct {
	Method care.ConsentMethod
	By     string
	Scope  string
}

// End ends a resident's sharing.
type End struct {
	Day    int
	Reason care.EndReason
	Note   string
}

// Post is one post of a contact book or a group board, written by By on
// Day at At. To names addressees (logins); at most one of Handover, Visit
// and Medication makes it a structured post.
type Post struct {
	Day        int
	At         string
	By         string
	Category   care.Category
	Importance care.Importance
	To         []string
	Body       string
	Handover   *Handover
	Visit      *Visit
	Medication *Medication
	Comments   []Comment
}

// Handover is the 在宅医療情報連携加算 handover: NextVisit is in days after
// the post (0: none).
type Handover struct {
	NextVisit   int
	PlanChanged bool
	PlanChange  string
	Cautions    string
}

// Visit is a visit report of the post's day; NextVisit is in days after it.
type Visit struct {
	Vitals       string
	Observations string
	NextVisit    int
}

// Medication is a medication change of the post's day: Medications is the
// whole regimen after the change, which the resident summary shows.
type Medication struct {
	Medications string
	Reason      string
	Diagnoses   string
}

// Comment replies to a post After minutes after it.
type Comment struct {
	After int
	By    string
	Body  string
}

// Group is a demo board: By creates it on Day with the Members.
type Group struct {
	Name        string
	Description string
	By          string
	Day         int
	Members     []string
	Posts       []Post
}

const scope = "在宅での医療・介護の連携に必要な範囲で、連携チームの医療・介護職が心身の状況、治療・服薬、生活の情報を共有すること"

// ContactBooks are the demo tenants' contact books, by tenant slug. Names,
// addresses and numbers are invented (local parts start with 0).
var ContactBooks = map[string]ContactBook{
	"demo": {
		Therapist: "rehab-pt",
		Residents: []Resident{
			{"heart", "山田 茂", "ヤマダ シゲル", "1938-04-12", "male", "みなと市北浜2-14-3", "045-000-3101", "長女 山田 京子（市内在住、夕方に来訪） 090-0000-3102"},
			{"dementia", "佐々木 ハル", "ササキ ハル", "1934-11-03", "female", "みなと市南台3-2-8 南台ハイツ101", "045-000-3201", "長男 佐々木 隆（県外在住、月1回来訪） 090-0000-3202"},
			{"cancer", "井上 正雄", "イノウエ マサオ", "1945-07-21", "male", "みなと市東浜1-9-15", "045-000-3301", "妻 井上 和江（同居）"},
			{"copd", "松本 勝", "マツモト マサル", "1942-02-28", "male", "みなと市港町5-1-7", "045-000-3401", "妻 松本 幸子（同居）"},
			{"child", "吉田 ひなた", "ヨシダ ヒナタ", "2017-05-14", "female", "みなと市中央4-8-2 グランみなと305", "045-000-3501", "母 吉田 美穂（主たる介護者） 090-0000-3502"},
			{"stroke", "斎藤 久美子", "サイトウ クミコ", "1948-09-09", "female", "みなと市北浜5-3-21", "045-000-3601", "夫 斎藤 勉（同居）"},
			{"noconsent", "青木 トミ", "アオキ トミ", "1933-01-25", "female", "みなと市南台1-15-4", "045-000-3701", "長女 青木 由紀子（隣市在住） 090-0000-3702"},
			{"parkinson", "村上 博", "ムラカミ ヒロシ", "1940-06-30", "male", "みなと市中央5-11-6", "045-000-3801", "妻 村上 千代子（同居、要支援1）"},
		},
	},
	"demo2": {
		Therapist: "rehab-ot",
		Residents: []Resident{
			{"heart", "阿部 清", "アベ キヨシ", "1937-08-19", "male", "さくら町川辺2-6-11", "0467-00-3101", "長女 阿部 真由美（町内在住、夕方に来訪） 090-0000-4102"},
			{"dementia", "近藤 キヨ", "コンドウ キヨ", "1933-03-30", "female", "さくら町本町5-2-4", "0467-00-3201", "長男 近藤 誠一（県外在住、月1回来訪） 090-0000-4202"},
			{"cancer", "石井 幸男", "イシイ ユキオ", "1946-12-02", "male", "さくら町桜ヶ丘3-8-1", "0467-00-3301", "妻 石井 節子（同居）"},
			{"copd", "長谷川 実", "ハセガワ ミノル", "1941-10-10", "male", "さくら町本町2-14-9", "0467-00-3401", "妻 長谷川 洋子（同居）"},
			{"child", "坂本 湊", "サカモト ミナト", "2016-09-22", "male", "さくら町桜ヶ丘4-1-3", "0467-00-3501", "母 坂本 由香（主たる介護者） 090-0000-4502"},
			{"stroke", "遠藤 順子", "エンドウ ジュンコ", "1947-05-05", "female", "さくら町川辺4-9-2", "0467-00-3601", "夫 遠藤 栄一（同居）"},
			{"noconsent", "小川 ウメ", "オガワ ウメ", "1931-12-12", "female", "さくら町本町6-3-1", "0467-00-3701", "長女 小川 久美（隣町在住） 090-0000-4702"},
			{"parkinson", "中島 茂雄", "ナカジマ シゲオ", "1939-01-17", "male", "さくら町桜ヶ丘2-12-5", "0467-00-3801", "妻 中島 文子（同居、要支援1）"},
		},
	},
}

// Stories are the residents' histories, by key.
var Stories = map[string]Story{
	// Chronic heart failure: a worsening near the end, the tenant's one
	// urgent post, a handover that changes the plan.
	"heart": {
		CareLevel: "care2",
		Notes:     "慢性心不全（NYHA II〜III）、心房細動、慢性腎臓病。日中独居（長女が夕方に来訪）。塩分制限（6g/日）、水分制限（1,200mL/日）。体重は毎朝測定し記録表に記入。",
		Owner:     "doctor", Day: 1,
		Consent: &Consent{Method: "written", By: "doctor", Scope: scope},
		Team:    []string{"nurse", "caremgr", "pharmacist", "helper"},
		Posts: []Post{
			{Day: 2, At: "09:40", By: "doctor", Category: "notice", Importance: "important",
				Body: "本日より訪問診療を開始します。定期訪問は月2回（第1・第3火曜）です。\n心不全の増悪の徴候（2日で2kg以上の体重増加、息切れ、下肢のむくみ、夜間の息苦しさ）があれば、時間を問わずクリニックの24時間対応番号へご連絡ください。"},
			{Day: 2, At: "17:20", By: "doctor", Category: "notice",
				Body: "退院時処方を引き継ぎました。一包化は薬局さんにお願いしています。",
				Medication: &Medication{
					Medications: "フロセミド錠20mg 1回1錠 朝食後\nスピロノラクトン錠25mg 1回1錠 朝食後\nビソプロロールフマル酸塩錠2.5mg 1回1錠 朝食後\nアピキサバン錠2.5mg 1回1錠 1日2回 朝夕食後\nエナラプリルマレイン酸塩錠2.5mg 1回1錠 朝食後",
					Reason:      "在宅診療の開始に伴い、市民病院の退院時処方を引き継ぎ",
					Diagnoses:   "慢性心不全、心房細動、慢性腎臓病（G3b）、高血圧症"},
				Comments: []Comment{{After: 95, By: "pharmacist", Body: "承知しました。明日のお届けの際に一包化し、お薬カレンダーにセットします。"}}},
			{Day: 3, At: "11:05", By: "pharmacist", Category: "report",
				Body: "お薬をお届けし、お薬カレンダーにセットしました。アピキサバンは朝夕の2回のため、夕の飲み忘れに注意が必要です。病院の残薬が数日分ありましたので、日数を調整しています。"},
			{Day: 4, At: "14:30", By: "nurse", Category: "report", Body: "初回訪問しました。体重記録表の使い方をご説明し、冷蔵庫に貼っています。",
				Visit: &Visit{Vitals: "BP 128/74、P 82（不整）、SpO2 96%、BT 36.4℃、体重 58.2kg",
					Observations: "両下腿に軽度の圧痕性浮腫あり。息切れは階段昇降時のみ。食事は半量〜全量、水分は1,000mL程度（本人談）。", NextVisit: 3}},
			{Day: 5, At: "10:15", By: "caremgr", Category: "notice",
				Body: "サービス担当者会議を来週水曜 14:00 からご自宅で行います。主治医の先生には書面で照会させていただきます。ご都合の悪い方はご連絡ください。",
				Comments: []Comment{
					{After: 60, By: "helper", Body: "ヘルパーは2名で参加します。"},
					{After: 185, By: "nurse", Body: "訪問看護も参加します。"}}},
			{Day: 9, At: "16:10", By: "helper", Category: "consultation",
				Body:     "本日の訪問（買い物・調理）で、冷蔵庫に漬物と佃煮がたくさんありました。塩分制限について、長女様にもお伝えしたほうがよいでしょうか。",
				Comments: []Comment{{After: 90, By: "caremgr", Body: "ありがとうございます。担当者会議で食事のこともまとめて話し合いましょう。長女様には私から一度お伝えします。"}}},
			{Day: 12, At: "15:30", By: "caremgr", Category: "report",
				Body: "担当者会議を行いました。要点：\n① 体重は毎朝測定し記録表に記入（ヘルパー訪問時に確認）\n② 減塩の調理をヘルパーが支援\n③ 夕の服薬は長女様が確認\n議事録は各事業所にお届けします。"},
			{Day: 16, At: "10:30", By: "doctor", Category: "report", Body: "定期訪問。状態は安定しています。",
				Handover: &Handover{NextVisit: 14, Cautions: "体重は58kg台を維持。2日で2kg以上の増加、夜間の息苦しさ（起座呼吸）があれば連絡を。脱水にも注意。"}},
			{Day: 18, At: "14:20", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 132/78、P 78（不整）、SpO2 97%、体重 58.0kg",
					Observations: "浮腫は軽減傾向。入浴は見守りで実施。「少し歩けるようになった」と笑顔で話される。", NextVisit: 7}},
			{Day: 25, At: "11:10", By: "pharmacist", Category: "report",
				Body: "居宅療養管理指導で訪問しました。服薬状況は概ね良好ですが、夕の薬が2回分残っていました。長女様の来訪が遅い日に飲み忘れがあるようです。",
				Comments: []Comment{
					{After: 240, By: "nurse", Body: "訪問時に夕の薬の声かけをします。"},
					{After: 300, By: "caremgr", Body: "長女様が来られない火・金の夕方に、ヘルパーの服薬確認を追加できるか調整します。"}}},
			{Day: 30, At: "10:30", By: "doctor", Category: "report", Body: "定期訪問。血圧はやや低めです。",
				Handover: &Handover{NextVisit: 14, Cautions: "夕の内服忘れに注意。血圧が110台のときは立ちくらみ・ふらつきに注意。"}},
			{Day: 33, At: "09:50", By: "caremgr", Category: "notice",
				Body: "火・金の夕方に、ヘルパーによる服薬確認（15分）を追加しました。来週から開始します。"},
			{Day: 40, At: "13:45", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 118/70、P 74、SpO2 96%、体重 58.6kg",
					Observations: "浮腫なし。夕の飲み忘れはこの2週間なし。玄関の段差でつまずきやすいとのこと。", NextVisit: 7}},
			{Day: 51, At: "16:40", By: "helper", Category: "consultation",
				Body:     "玄関先でつまずきそうになりました（転倒はありません）。玄関の段差に手すりがあると安心かと思います。",
				Comments: []Comment{{After: 120, By: "caremgr", Body: "福祉用具の事業所に相談し、置き型手すりのレンタルをご提案します。"}}},
			{Day: 58, At: "18:05", By: "doctor", Category: "notice", Importance: "important",
				Body: "先週の血液検査でカリウムが5.4mEq/Lと高めでした。スピロノラクトンを減量します。",
				Medication: &Medication{
					Medications: "フロセミド錠20mg 1回1錠 朝食後\nスピロノラクトン錠25mg 1回0.5錠 朝食後\nビソプロロールフマル酸塩錠2.5mg 1回1錠 朝食後\nアピキサバン錠2.5mg 1回1錠 1日2回 朝夕食後\nエナラプリルマレイン酸塩錠2.5mg 1回1錠 朝食後",
					Reason:      "血清カリウム 5.4mEq/L（高値）のため",
					Diagnoses:   "慢性心不全、心房細動、慢性腎臓病（G3b）、高血圧症、高カリウム血症"},
				Comments: []Comment{{After: 70, By: "pharmacist", Body: "明日、一包化をやり直してお届けします。"}}},
			{Day: 72, At: "10:20", By: "doctor", Category: "report", Body: "定期訪問。カリウムは4.8mEq/Lに改善しました。",
				Handover: &Handover{NextVisit: 14, Cautions: "引き続き体重と浮腫の観察を。バナナ・果物の食べ過ぎに注意（カリウム）。"}},
			{Day: 86, At: "14:00", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 124/72、P 76、SpO2 96%、体重 58.9kg",
					Observations: "置き型手すりの設置後、玄関の出入りが安定。外出（近所の公園）を再開。", NextVisit: 7}},
			{Day: 100, At: "10:40", By: "doctor", Category: "report", Body: "定期訪問。",
				Handover: &Handover{NextVisit: 14, Cautions: "寒くなり塩分の多い鍋物が増える時期です。体重の増加に注意。"}},
			{Day: 112, At: "14:15", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 136/80、P 84（不整）、SpO2 95%、体重 59.4kg",
					Observations: "1週間で体重が0.5kg増加。下腿に軽度の浮腫あり。経過観察とし、次回訪問を早めます。", NextVisit: 4}},
			{Day: 116, At: "08:40", By: "nurse", Category: "consultation", Importance: "urgent", To: []string{"doctor"},
				Body: "【至急】本日の訪問で、体重60.8kg（4日前より+1.4kg、先月より+2kg以上）、両下腿の浮腫が増強、安静時のSpO2 92%。夜間は枕を2つにして寝ているとのことです。心不全の増悪が疑われます。ご指示をお願いします。",
				Comments: []Comment{
					{After: 20, By: "doctor", Body: "ご連絡ありがとうございます。本日12時半に臨時往診します。それまで安静に、水分は控えめにしてください。"},
					{After: 35, By: "nurse", Body: "承知しました。長女様にも連絡済みです。"}}},
			{Day: 116, At: "14:10", By: "doctor", Category: "notice", Importance: "important",
				Body: "臨時往診しました。心不全の増悪です。利尿薬を1週間増量します。",
				Medication: &Medication{
					Medications: "フロセミド錠20mg 1回2錠 朝食後（1週間、その後再評価）\nスピロノラクトン錠25mg 1回0.5錠 朝食後\nビソプロロールフマル酸塩錠2.5mg 1回1錠 朝食後\nアピキサバン錠2.5mg 1回1錠 1日2回 朝夕食後\nエナラプリルマレイン酸塩錠2.5mg 1回1錠 朝食後",
					Reason:      "心不全の増悪（体重増加・浮腫）のため利尿薬を一時増量",
					Diagnoses:   "慢性心不全（急性増悪）、心房細動、慢性腎臓病（G3b）、高血圧症"},
				Comments: []Comment{{After: 40, By: "pharmacist", Body: "本日夕方にお届けします。一包化をやり直します。"}}},
			{Day: 116, At: "14:30", By: "doctor", Category: "request", Importance: "important",
				Body: "今週は訪問看護を毎日お願いします。",
				Handover: &Handover{NextVisit: 3, PlanChanged: true,
					PlanChange: "利尿薬を増量。訪問看護を1週間毎日に増回（特別訪問看護指示書を交付）。",
					Cautions:   "毎朝の体重を看護師からクリニックへ連絡。尿量の低下、ふらつき（脱水・低血圧）に注意。悪化時は入院も検討、夜間の急変は救急要請を。"}},
			{Day: 117, At: "10:30", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 122/70、P 80、SpO2 94%、体重 59.9kg",
					Observations: "尿量が増え、浮腫はやや軽減。夜間の息苦しさは昨夜はなかったとのこと。", NextVisit: 1}},
			{Day: 118, At: "09:20", By: "caremgr", Category: "notice",
				Body: "訪問看護の増回に合わせてサービスを調整しました。今週のデイサービスはお休みとします。"},
			{Day: 119, At: "10:10", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 120/72、P 78、SpO2 95%、体重 59.1kg",
					Observations: "体重は順調に減少。食欲も戻ってきている。", NextVisit: 1}},
		},
	},

	// Dementia living alone: consent by proxy, a gas-stove scare, the
	// team weighing a short stay.
	"dementia": {
		CareLevel: "care3",
		Notes:     "アルツハイマー型認知症（HDS-R 14点）、高血圧症、骨粗鬆症。独居。長男は県外在住（月1回来訪）。近所の友人との交流あり。火の元と服薬管理に課題あり。",
		Owner:     "caremgr", Day: 0,
		Consent: &Consent{Method: "proxy", By: "caremgr", Scope: scope + "（長男による代諾）"},
		Team:    []string{"doctor", "nurse", "helper", "pharmacist", "socialworker"},
		Posts: []Post{
			{Day: 1, At: "10:00", By: "caremgr", Category: "notice", Importance: "important",
				Body: "地域包括支援センターからご紹介いただいた方です。独居で、服薬管理と火の元が課題です。長男様（県外）から代諾で情報共有の同意をいただきました。チームの皆さま、よろしくお願いします。"},
			{Day: 3, At: "15:00", By: "doctor", Category: "report", Body: "訪問診療を開始しました（月1回）。",
				Handover: &Handover{NextVisit: 28, Cautions: "夕方以降に不安や帰宅願望が強くなることがあります。否定せず傾聴を。"}},
			{Day: 3, At: "15:20", By: "doctor", Category: "notice",
				Medication: &Medication{
					Medications: "ドネペジル塩酸塩OD錠5mg 1回1錠 朝食後\nアムロジピンOD錠5mg 1回1錠 朝食後\nアレンドロン酸錠35mg 週1回 水曜 起床時",
					Reason:      "前医の処方を継続",
					Diagnoses:   "アルツハイマー型認知症、高血圧症、骨粗鬆症"}},
			{Day: 5, At: "11:30", By: "pharmacist", Category: "consultation", To: []string{"helper"},
				Body: "週1回のアレンドロン酸は飲み方が特殊なため、水曜朝のヘルパー訪問時に見守りで服用していただきたいです。可能でしょうか。",
				Comments: []Comment{
					{After: 75, By: "helper", Body: "水曜は8時半の訪問なので対応できます。起床時にコップ1杯の水で、服用後30分は横にならない、でよいですね。"},
					{After: 100, By: "pharmacist", Body: "はい、その通りです。よろしくお願いします。"}}},
			{Day: 10, At: "09:25", By: "helper", Category: "report", Importance: "important",
				Body: "訪問時、ガスコンロの火がつけっぱなしでした（鍋は空でした）。ご本人は覚えていないとのことです。火は消して、換気しました。",
				Comments: []Comment{
					{After: 40, By: "caremgr", Body: "ありがとうございます。長男様に連絡し、安全装置付きのコンロへの交換を相談します。"},
					{After: 150, By: "socialworker", Body: "地域包括でも見守りネットワーク（新聞販売店・民生委員）に声をかけておきます。"}}},
			{Day: 14, At: "13:30", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 142/84、P 70、BT 36.2℃、SpO2 98%",
					Observations: "お薬カレンダーに3日分の飲み残しあり。室内はやや散らかっている。会話は穏やかで、昔の仕事の話を楽しそうにされる。", NextVisit: 14}},
			{Day: 20, At: "17:00", By: "caremgr", Category: "notice",
				Body: "ガスコンロをIHクッキングヒーターに交換しました（長男様了承済み）。使い方は訪問のたびに繰り返しお伝えください。"},
			{Day: 27, At: "12:10", By: "socialworker", Category: "report",
				Body: "民生委員さんから、早朝に近所を歩いている姿を何度か見かけたとの情報がありました。道に迷っている様子はないとのことです。引き続き見守りをお願いしています。"},
			{Day: 31, At: "15:10", By: "doctor", Category: "report", Body: "定期訪問。",
				Handover: &Handover{NextVisit: 28, Cautions: "食欲低下・下痢など消化器症状に注意。夕方の易怒性が増えていれば教えてください。"}},
			{Day: 44, At: "18:20", By: "helper", Category: "report",
				Body:     "夕方の訪問時、「財布を盗られた」と強い口調で話されました。一緒に探すとタンスの中にありました。その後は落ち着かれました。",
				Comments: []Comment{{After: 180, By: "nurse", Body: "次回訪問時に様子を確認し、先生に報告します。"}}},
			{Day: 49, At: "16:00", By: "doctor", Category: "notice", Body: "夕方の易怒性に対してメマンチンを追加します。",
				Medication: &Medication{
					Medications: "メマンチン塩酸塩OD錠5mg 1回1錠 夕食後（1週ごとに5mgずつ増量し20mgで維持）\nドネペジル塩酸塩OD錠5mg 1回1錠 朝食後\nアムロジピンOD錠5mg 1回1錠 朝食後\nアレンドロン酸錠35mg 週1回 水曜 起床時",
					Reason:      "夕方の易怒性・物盗られ妄想に対して追加",
					Diagnoses:   "アルツハイマー型認知症（BPSDあり）、高血圧症、骨粗鬆症"},
				Comments: []Comment{{After: 120, By: "pharmacist", Body: "増量のスケジュールをお薬カレンダーに書き込みました。ふらつき・眠気の観察をお願いします。"}}},
			{Day: 52, At: "17:45", By: "helper", Category: "report",
				Body: "夕方の訪問時、少し眠そうでしたが穏やかに過ごされていました。夕食は全量召し上がりました。"},
			{Day: 63, At: "13:40", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 134/80、P 68、SpO2 98%",
					Observations: "飲み残しは週1回程度に減少。ふらつきなし。夕方の易怒性は減っているとヘルパーさんより。", NextVisit: 14}},
			{Day: 70, At: "11:00", By: "caremgr", Category: "consultation",
				Body: "長男様から、冬の間だけでもショートステイを利用できないかとご相談がありました。ご本人は「家がいい」と話されています。皆さまのご意見をお聞かせください。",
				Comments: []Comment{
					{After: 120, By: "doctor", Body: "身体面では在宅の継続は可能と考えます。ご本人の意思を尊重しつつ、短期間から試してみてはどうでしょう。"},
					{After: 200, By: "socialworker", Body: "地域包括も同席して、ご本人の思いを伺います。"},
					{After: 260, By: "nurse", Body: "訪問看護としても在宅継続は可能と思います。"}}},
			{Day: 84, At: "16:30", By: "socialworker", Category: "report",
				Body: "ご本人・長男様・ケアマネと面談しました。月1回、3泊4日のショートステイを試してみることになりました。ご本人も「少しだけなら」と了承されています。"},
			{Day: 91, At: "15:00", By: "doctor", Category: "report", Body: "定期訪問。",
				Handover: &Handover{NextVisit: 28, PlanChanged: true,
					PlanChange: "月1回のショートステイ利用を開始（診療情報提供書を作成済み）。",
					Cautions:   "ショートステイ前後の環境変化による混乱・不眠に注意。"}},
			{Day: 104, At: "17:10", By: "caremgr", Category: "report",
				Body: "初回のショートステイ（3泊4日）から本日戻られました。施設では夜間もよく眠れていたとのことです。"},
			{Day: 110, At: "10:15", By: "helper", Category: "report",
				Body: "帰宅後2日ほどは物の置き場所がわからず不安そうでしたが、本日は落ち着いています。"},
			{Day: 118, At: "13:50", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 130/78、P 72、SpO2 97%",
					Observations: "生活リズムは安定。IHヒーターでお湯を沸かせるようになった。", NextVisit: 14}},
		},
	},

	// Terminal pancreatic cancer: dying at home; the sharing ends on the
	// day of death.
	"cancer": {
		CareLevel: "care4",
		Notes:     "膵臓がん（ステージIV、多発肝転移）。積極的治療は終了し、自宅での療養と看取りを希望。妻と二人暮らし。DNAR（急変時も救急搬送は希望されない）。",
		Owner:     "doctor", Day: 2,
		Consent: &Consent{Method: "written", By: "doctor", Scope: scope},
		Team:    []string{"nurse", "caremgr", "pharmacist", "helper"},
		End:     &End{Day: 95, Reason: "death", Note: "ご自宅にて、ご家族に見守られて永眠されました。"},
		Posts: []Post{
			{Day: 3, At: "09:30", By: "doctor", Category: "notice", Importance: "important",
				Body: "市民病院からご紹介の方です。ご本人・奥様ともにご自宅での看取りを希望されています。ACP（人生会議）の内容はカルテに記載しました。急変時も救急搬送は希望されていません（DNAR）。夜間・休日はクリニックの24時間対応番号へご連絡ください。"},
			{Day: 3, At: "09:45", By: "doctor", Category: "notice",
				Medication: &Medication{
					Medications: "オキシコドン徐放錠5mg 1回1錠 1日2回（8時・20時）\nオキシコドン散0.5% 2.5mg 疼痛時頓用（1日4回まで）\n酸化マグネシウム錠330mg 1回1錠 1日3回 毎食後\nナルデメジン錠0.2mg 1回1錠 朝食後\nメトクロプラミド錠5mg 嘔気時頓用",
					Reason:      "病院処方の引き継ぎ",
					Diagnoses:   "膵臓がん（ステージIV）、多発肝転移、がん性疼痛"}},
			{Day: 4, At: "14:00", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 108/66、P 88、SpO2 95%、BT 36.9℃",
					Observations: "腹部から背部の痛み（NRS 4）。食事は少量。奥様の表情に疲れが見える。", NextVisit: 3}},
			{Day: 5, At: "16:20", By: "pharmacist", Category: "report",
				Body: "医療用麻薬の保管・廃棄の方法を奥様にご説明しました。頓用の使用記録表をお渡ししています。"},
			{Day: 10, At: "11:40", By: "caremgr", Category: "notice",
				Body: "介護ベッドとエアマットを本日納品しました。訪問入浴を週1回（木曜）で開始します。"},
			{Day: 15, At: "13:10", By: "nurse", Category: "consultation", To: []string{"doctor"},
				Body:     "頓用のオキシコドンを1日4回使う日が続いています。痛みは腹部から背部にかけて（NRS 6）。ベースの増量をご検討いただけますか。",
				Comments: []Comment{{After: 55, By: "doctor", Body: "明日の訪問で評価して増量します。"}}},
			{Day: 16, At: "15:30", By: "doctor", Category: "notice", Body: "オピオイドを増量しました。",
				Medication: &Medication{
					Medications: "オキシコドン徐放錠10mg 1回1錠 1日2回（8時・20時）\nオキシコドン散0.5% 5mg 疼痛時頓用（1日4回まで）\n酸化マグネシウム錠330mg 1回1錠 1日3回 毎食後\nナルデメジン錠0.2mg 1回1錠 朝食後\nメトクロプラミド錠5mg 嘔気時頓用",
					Reason:      "疼痛の増強（頓用 1日4回）のため",
					Diagnoses:   "膵臓がん（ステージIV）、多発肝転移、がん性疼痛"}},
			{Day: 16, At: "15:45", By: "doctor", Category: "report", Body: "定期訪問。",
				Handover: &Handover{NextVisit: 7, PlanChanged: true, PlanChange: "オキシコドン徐放錠を10mg/回に増量。",
					Cautions: "眠気・便秘・嘔気の観察を。痛みが続けば頓用を使ってよいと奥様にお伝えしています。"}},
			{Day: 30, At: "15:20", By: "helper", Category: "report",
				Body: "訪問入浴の後、「気持ちよかった」と笑顔が見られました。食事はゼリーとアイスクリームを少量。"},
			{Day: 42, At: "14:10", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 102/60、P 92、SpO2 94%、BT 37.1℃",
					Observations: "痛みはNRS 2〜3で落ち着いている。日中も眠っていることが増えた。仙骨部に発赤なし。", NextVisit: 3}},
			{Day: 50, At: "16:00", By: "doctor", Category: "report", Body: "定期訪問。病状は少しずつ進行しています。",
				Handover: &Handover{NextVisit: 7, PlanChanged: true, PlanChange: "訪問診療を週1回に増回。",
					Cautions: "せん妄の兆候（昼夜逆転、つじつまの合わない会話）、呼吸の変化を観察。奥様の介護疲れにも配慮を。"}},
			{Day: 58, At: "10:30", By: "caremgr", Category: "report",
				Body: "奥様の介護負担が大きいため、夜間の巡回型ヘルパーを追加しました（22時・2時）。"},
			{Day: 70, At: "14:40", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 96/58、P 100、SpO2 93%",
					Observations: "経口摂取はほぼ水分のみ。傾眠傾向。錠剤の内服が難しくなってきている。", NextVisit: 2}},
			{Day: 78, At: "17:30", By: "doctor", Category: "notice", Importance: "important", Body: "内服が困難になったため、持続皮下注射に切り替えます。",
				Medication: &Medication{
					Medications: "オキシコドン注射液 持続皮下注射 10mg/日（PCAポンプ、レスキュー 1時間量を早送り）\nミダゾラム注射液 不穏時（医師の指示により使用）",
					Reason:      "内服困難のため、オキシコドン徐放錠から持続皮下注射へ変更",
					Diagnoses:   "膵臓がん（ステージIV）、多発肝転移、がん性疼痛"},
				Comments: []Comment{{After: 90, By: "pharmacist", Body: "PCAポンプの薬液を調製して、明朝お届けします。カセット交換は訪問看護さんと調整済みです。"}}},
			{Day: 88, At: "15:00", By: "nurse", Category: "report", Importance: "important",
				Body:     "呼吸が不規則になり、時々下顎呼吸が見られます。奥様と長女様に、今後予測される経過をお話ししました。",
				Comments: []Comment{{After: 45, By: "doctor", Body: "ご家族のご希望どおり、ご自宅でのお看取りで対応します。夜間でもご連絡ください。"}}},
			{Day: 95, At: "06:30", By: "doctor", Category: "report", Importance: "important",
				Body: "本日5時42分、ご自宅にて永眠されました。奥様と長女様が付き添われ、穏やかな最期でした。死亡診断書は交付済みです。チームの皆さま、ありがとうございました。",
				Comments: []Comment{
					{After: 90, By: "nurse", Body: "エンゼルケアを奥様と一緒に行いました。"},
					{After: 180, By: "caremgr", Body: "福祉用具の引き上げは来週、奥様のご都合に合わせて調整します。"}}},
		},
	},

	// COPD on home oxygen: inhaler technique, an infective exacerbation.
	"copd": {
		CareLevel: "care2",
		Notes:     "COPD（在宅酸素療法：安静時 1L/分、労作時 2L/分）。元喫煙者（40年、現在は禁煙）。妻と二人暮らし。冬季の増悪による入院歴あり。",
		Owner:     "nurse", Day: 6,
		Consent: &Consent{Method: "written", By: "nurse", Scope: scope},
		Team:    []string{"doctor", "caremgr", "pharmacist", "rehab-pt"},
		Posts: []Post{
			{Day: 7, At: "15:30", By: "nurse", Category: "notice", Importance: "important",
				Body: "訪問看護を週2回で開始しました。苦しいときに酸素の流量を自己判断で上げてしまうことがあるとのこと。CO2ナルコーシスの危険について改めてご説明しました。"},
			{Day: 8, At: "12:30", By: "doctor", Category: "notice",
				Medication: &Medication{
					Medications: "チオトロピウム・オロダテロール吸入 1日1回2吸入\nカルボシステイン錠500mg 1回1錠 1日3回 毎食後\nサルブタモール吸入 発作時頓用\nアムロジピン錠5mg 1回1錠 朝食後",
					Reason:      "在宅診療の開始に伴い処方を整理",
					Diagnoses:   "慢性閉塞性肺疾患（COPD、GOLD 3）、在宅酸素療法中、高血圧症"}},
			{Day: 10, At: "10:50", By: "pharmacist", Category: "report",
				Body: "吸入の手技を確認しました。吸うタイミングが早く、十分に吸えていない様子です。次回、吸入補助具をお持ちします。"},
			{Day: 14, At: "11:20", By: "rehab-pt", Category: "report",
				Body: "呼吸リハビリ（口すぼめ呼吸・腹式呼吸）と下肢の筋力訓練を開始しました。室内歩行は酸素2Lで SpO2 89〜93%。"},
			{Day: 21, At: "14:30", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 138/82、P 90、SpO2 94%（酸素1L）、BT 36.5℃、RR 20",
					Observations: "痰は白色で少量。食事量は普通。奥様の話では夜はよく眠れている。", NextVisit: 3}},
			{Day: 28, At: "11:00", By: "doctor", Category: "report", Body: "定期訪問。",
				Handover: &Handover{NextVisit: 28, Cautions: "感冒症状や痰の色の変化（黄色・緑色）は増悪のサインです。早めに連絡を。"}},
			{Day: 35, At: "16:10", By: "caremgr", Category: "notice",
				Body: "ご本人の希望で、近所の公園まで散歩できるよう、携帯用酸素ボンベのカートをレンタルしました。"},
			{Day: 49, At: "11:45", By: "rehab-pt", Category: "report",
				Body: "公園までの往復（約300m）を休憩2回で歩けました。SpO2は最低88%、休憩で93%に回復します。"},
			{Day: 56, At: "10:20", By: "nurse", Category: "consultation", Importance: "important", To: []string{"doctor"},
				Body:     "痰が黄色く粘り、BT 37.6℃、SpO2 91%（酸素1L）。息切れが普段より強いです。ご指示をお願いします。",
				Comments: []Comment{{After: 30, By: "doctor", Body: "増悪ですね。抗菌薬を処方します。酸素は労作時2Lのまま、安静時も1.5Lまで可とします。"}}},
			{Day: 56, At: "11:10", By: "doctor", Category: "notice",
				Medication: &Medication{
					Medications: "アモキシシリン・クラブラン酸 1日3回 5日間（追加）\nチオトロピウム・オロダテロール吸入 1日1回2吸入\nカルボシステイン錠500mg 1回1錠 1日3回 毎食後\nサルブタモール吸入 発作時頓用\nアムロジピン錠5mg 1回1錠 朝食後",
					Reason:      "COPDの増悪（気道感染）",
					Diagnoses:   "COPDの増悪、慢性閉塞性肺疾患（GOLD 3）、在宅酸素療法中、高血圧症"}},
			{Day: 62, At: "14:00", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 130/78、P 84、SpO2 95%（酸素1L）、BT 36.4℃",
					Observations: "解熱し、痰は白色に戻った。息切れも普段どおり。", NextVisit: 4}},
			{Day: 84, At: "11:15", By: "doctor", Category: "report", Body: "定期訪問。インフルエンザワクチンを接種しました。",
				Handover: &Handover{NextVisit: 28, Cautions: "冬季は増悪しやすい時期です。人混みを避け、手洗い・うがいを。"}},
			{Day: 100, At: "15:40", By: "pharmacist", Category: "report",
				Body: "吸入補助具を使うようになってから、吸入の手技が改善しました。残量カウンターの見方も覚えられています。"},
			{Day: 110, At: "11:30", By: "rehab-pt", Category: "report",
				Body: "寒くなり散歩の回数が減っています。室内での足踏み運動と階段昇降の練習に切り替えました。"},
			{Day: 117, At: "14:20", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 134/80、P 86、SpO2 94%（酸素1L）",
					Observations: "状態安定。加湿器の水の交換をご家族にお願いしました。", NextVisit: 3}},
		},
	},

	// A child with cerebral palsy: tube feeding, seizures, seating.
	"child": {
		CareLevel: "none", Child: true, Disability: true,
		Notes: "脳性麻痺（痙直型四肢麻痺）、症候性てんかん。胃ろうから経管栄養。特別支援学校に通学（スクールバス）。両親と兄の4人暮らし。障害福祉サービス（居宅介護）を利用。",
		Owner: "nurse", Day: 8,
		Consent: &Consent{Method: "proxy", By: "nurse", Scope: scope + "（母による代諾）。学校の看護師との情報共有を含む。"},
		Team:    []string{"doctor", "rehab-pt", "rehab-ot", "helper"},
		Posts: []Post{
			{Day: 9, At: "16:30", By: "nurse", Category: "notice",
				Body: "訪問看護を週2回（月・木）で開始しました。胃ろうの管理、排痰ケア、入浴介助を行います。学校の看護師とは連絡帳で情報を共有しています。"},
			{Day: 10, At: "13:00", By: "doctor", Category: "notice",
				Medication: &Medication{
					Medications: "レベチラセタム ドライシロップ50% 1回250mg 1日2回\nバクロフェン錠5mg 1回1錠 1日3回\n酸化マグネシウム 1回0.5g 1日2回\n（いずれも胃ろうから注入）",
					Reason:      "小児科からの処方を在宅で継続",
					Diagnoses:   "脳性麻痺（痙直型四肢麻痺）、症候性てんかん、胃ろう造設後"}},
			{Day: 14, At: "17:10", By: "rehab-pt", Category: "report",
				Body: "ポジショニングと関節可動域訓練を実施しました。股関節の開きが硬くなってきているため、座位保持装置の調整をご提案します。"},
			{Day: 18, At: "17:00", By: "rehab-ot", Category: "report",
				Body: "スイッチ遊具を使って遊ぶ練習をしました。右手でのスイッチ操作がとても上手です。学校の先生にもお伝えしました。"},
			{Day: 28, At: "16:45", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BT 36.8℃、P 96、SpO2 97%、体重 18.4kg",
					Observations: "痰が多め（吸引3回）。胃ろう周囲に発赤なし。注入後の嘔吐なし。", NextVisit: 3}},
			{Day: 35, At: "19:00", By: "helper", Category: "consultation",
				Body:     "入浴介助のとき、お母様から、夜間の吸引で睡眠不足が続いているとお話がありました。",
				Comments: []Comment{{After: 90, By: "nurse", Body: "短期入所（レスパイト）の情報をお母様にお伝えします。相談支援専門員にもつなぎます。"}}},
			{Day: 45, At: "14:00", By: "doctor", Category: "report", Body: "定期訪問。成長に合わせて胃ろうのボタンを交換しました。",
				Handover: &Handover{NextVisit: 30, Cautions: "発作の回数・持続時間を記録してください。5分以上続く場合は救急要請を。"}},
			{Day: 60, At: "08:10", By: "nurse", Category: "report", Importance: "important", To: []string{"doctor"},
				Body:     "昨夜、1分程度の強直間代発作があったとのこと（お母様より）。発作後は入眠し、今朝はいつも通りです。本日は学校をお休みします。",
				Comments: []Comment{{After: 60, By: "doctor", Body: "記録をありがとうございます。2週間以内に再びあれば増量を検討します。"}}},
			{Day: 74, At: "15:20", By: "doctor", Category: "notice", Body: "発作が再び見られたため、抗てんかん薬を増量します。",
				Medication: &Medication{
					Medications: "レベチラセタム ドライシロップ50% 1回300mg 1日2回\nバクロフェン錠5mg 1回1錠 1日3回\n酸化マグネシウム 1回0.5g 1日2回\n（いずれも胃ろうから注入）",
					Reason:      "発作の再発（2週間で2回）のため増量",
					Diagnoses:   "脳性麻痺（痙直型四肢麻痺）、症候性てんかん、胃ろう造設後"}},
			{Day: 80, At: "17:20", By: "rehab-pt", Category: "report",
				Body: "新しい座位保持装置が完成しました。学校でも使い始めています。姿勢が安定し、食後の嘔吐も減ったとのことです。"},
			{Day: 95, At: "17:00", By: "rehab-ot", Category: "report",
				Body: "視線入力の機器を試しました。好きな絵本のページをめくることができ、お母様も驚かれていました。"},
			{Day: 108, At: "16:40", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BT 36.6℃、P 92、SpO2 98%、体重 18.9kg",
					Observations: "増量後、発作なし。痰は減少。来月の短期入所の準備について、お母様と確認。", NextVisit: 3}},
			{Day: 115, At: "14:10", By: "doctor", Category: "report", Body: "定期訪問。",
				Handover: &Handover{NextVisit: 30, Cautions: "冬季は感染症に注意。発熱時は早めに連絡を。短期入所先への情報提供書を作成済み。"}},
		},
	},

	// After a stroke: rehabilitation at home; a pending invitation to the
	// home-nursing station.
	"stroke": {
		CareLevel: "care3",
		Notes:     "脳梗塞後遺症（左片麻痺）。回復期リハビリテーション病院を退院し在宅復帰。夫と二人暮らし。屋内は4点杖で歩行、屋外は車いす。",
		Owner:     "caremgr", Day: 12,
		Consent:    &Consent{Method: "written", By: "caremgr", Scope: scope},
		Team:       []string{"doctor", "rehab-pt", "rehab-ot", "helper"},
		Invited:    []string{"nurse"},
		InvitedDay: 117,
		Posts: []Post{
			{Day: 13, At: "10:30", By: "caremgr", Category: "notice",
				Body: "回復期リハビリ病院を本日退院されました。訪問リハビリ（PT 週2回、OT 週1回）と訪問介護（入浴・家事）で支援します。"},
			{Day: 14, At: "16:20", By: "doctor", Category: "notice",
				Medication: &Medication{
					Medications: "クロピドグレル錠75mg 1回1錠 朝食後\nアトルバスタチン錠10mg 1回1錠 夕食後\nアムロジピン錠5mg 1回1錠 朝食後\nランソプラゾールOD錠15mg 1回1錠 朝食後",
					Reason:      "退院時処方を継続",
					Diagnoses:   "脳梗塞後遺症（左片麻痺）、高血圧症、脂質異常症"}},
			{Day: 16, At: "11:00", By: "rehab-pt", Category: "report",
				Body: "屋内の動線を確認しました。トイレまでの廊下に手すりの追加が必要です。"},
			{Day: 17, At: "15:30", By: "rehab-ot", Category: "report",
				Body:     "入浴動作を評価しました。浴槽のまたぎに介助が必要です。シャワーチェアとバスボードの導入をご提案します。",
				Comments: []Comment{{After: 80, By: "caremgr", Body: "福祉用具専門相談員と日程を調整します。"}}},
			{Day: 24, At: "12:00", By: "helper", Category: "report",
				Body: "バスボードを使って入浴介助を行いました。ご本人も「怖くない」とのことで、安全に入浴できています。"},
			{Day: 30, At: "14:30", By: "doctor", Category: "report", Body: "定期訪問。",
				Handover: &Handover{NextVisit: 28, Cautions: "血圧130/80未満を目標。麻痺の悪化、ろれつが回らないなどの症状があればすぐに救急要請を。"}},
			{Day: 44, At: "11:10", By: "rehab-pt", Category: "report",
				Body: "屋外の歩行訓練を開始しました。4点杖で自宅前の道を50m、見守りで歩けています。"},
			{Day: 58, At: "15:40", By: "rehab-ot", Category: "report",
				Body: "調理の練習として、釘付きまな板で片手での野菜の皮むきをしました。ご主人と一緒に味噌汁を作ることができました。"},
			{Day: 65, At: "12:20", By: "helper", Category: "consultation",
				Body:     "ご主人が腰痛で、入浴の介助が負担になっているとのことです。",
				Comments: []Comment{{After: 120, By: "caremgr", Body: "デイサービスでの入浴をご提案してみます。"}}},
			{Day: 72, At: "17:00", By: "caremgr", Category: "notice",
				Body: "来週から週1回、デイサービス（入浴あり）を利用します。訪問介護の入浴は週1回に減らします。"},
			{Day: 90, At: "14:20", By: "doctor", Category: "report", Body: "定期訪問。",
				Handover: &Handover{NextVisit: 28, Cautions: "冬場の脱水と血圧の上昇に注意。"}},
			{Day: 105, At: "11:30", By: "rehab-pt", Category: "consultation", To: []string{"doctor"},
				Body:     "左足首のつまずきが増えています。短下肢装具の再調整について、主治医にご相談したいです。",
				Comments: []Comment{{After: 180, By: "doctor", Body: "次回の訪問で確認します。装具外来への紹介状を用意します。"}}},
			{Day: 117, At: "09:10", By: "caremgr", Category: "consultation", Importance: "important",
				Body:     "ヘルパーさんから、仙骨部に1cmほどの発赤があると報告がありました。訪問看護の導入を検討したく、訪問看護ステーションに招待をお送りしました。",
				Comments: []Comment{{After: 60, By: "helper", Body: "座っている時間が長い日に赤みが強くなるようです。"}}},
			{Day: 118, At: "12:10", By: "helper", Category: "report",
				Body: "本日も仙骨部の発赤は変わりありません。クッションの位置を調整しました。"},
		},
	},

	// Without consent: the sharing stays within the home-nursing station.
	"noconsent": {
		CareLevel: "care1",
		Notes:     "2型糖尿病、高血圧症、変形性膝関節症。独居。情報共有の同意は、ご本人の意思を確認中のため未取得（訪問看護ステーション内でのみ共有）。",
		Owner:     "nurse", Day: 20,
		Team: []string{Therapist},
		Posts: []Post{
			{Day: 21, At: "16:00", By: "nurse", Category: "notice", Importance: "important",
				Body: "情報共有への同意がまだ得られていないため、当面はステーション内でのみ記録を共有します。主治医・ケアマネへは従来どおり電話・FAXで報告してください。"},
			{Day: 22, At: "11:20", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 148/86、P 76、血糖 168mg/dL（食後2時間）",
					Observations: "インスリンの自己注射は手技良好。膝の痛みで立ち上がりに時間がかかる。", NextVisit: 7}},
			{Day: 29, At: "14:40", By: Therapist, Category: "report",
				Body: "膝の痛みが強く、立ち上がりに時間がかかります。椅子の高さを調整し、立ち上がりの練習を始めました。"},
			{Day: 36, At: "11:00", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 140/84、P 74、血糖 142mg/dL",
					Observations: "間食（まんじゅう）が多いとのこと。食事の記録をお願いした。", NextVisit: 7}},
			{Day: 43, At: "15:10", By: "nurse", Category: "consultation", To: []string{Therapist},
				Body:     "最近、買い物に行く回数が減っているようです。膝の痛みが理由でしょうか。訪問時に外出の状況も見ていただけますか。",
				Comments: []Comment{{After: 240, By: Therapist, Body: "承知しました。次回、近所のスーパーまで一緒に歩いてみます。"}}},
			{Day: 50, At: "14:30", By: Therapist, Category: "report",
				Body: "スーパーまで（約200m）一緒に歩きました。シルバーカーを使うと休憩なしで歩けます。"},
			{Day: 71, At: "11:15", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 136/80、P 72、血糖 150mg/dL、HbA1c 7.4%（先月）",
					Observations: "シルバーカーで週2回買い物に行けている。足の観察で傷なし。", NextVisit: 14}},
			{Day: 85, At: "16:20", By: "nurse", Category: "report",
				Body: "情報共有の同意について、ご本人と改めてお話ししました。「娘と相談してから決めたい」とのことです。来月、娘様の来訪時にもう一度ご説明します。"},
			{Day: 99, At: "14:50", By: Therapist, Category: "report",
				Body: "膝の痛みは軽減。立ち上がりが以前よりスムーズになりました。"},
			{Day: 106, At: "11:00", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 138/82、P 74、血糖 160mg/dL",
					Observations: "年末に向けて間食が増えている様子。食事の記録を一緒に振り返った。", NextVisit: 7}},
			{Day: 113, At: "11:10", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 134/78、P 70、血糖 138mg/dL",
					Observations: "娘様の来訪日が決まったとのこと（来週末）。同意の説明に同席します。", NextVisit: 7}},
		},
	},

	// Parkinson's disease: wearing-off, a fall, the dose split in four.
	"parkinson": {
		CareLevel: "care3",
		Notes:     "パーキンソン病（ホーン・ヤール重症度分類 III度）。wearing-off現象あり、すくみ足による転倒歴あり。妻（要支援1）と二人暮らし。",
		Owner:     "doctor", Day: 25,
		Consent: &Consent{Method: "oral", By: "doctor", Scope: scope},
		Team:    []string{"nurse", "rehab-pt", "rehab-ot", "pharmacist", "caremgr", "socialworker"},
		Posts: []Post{
			{Day: 26, At: "10:00", By: "doctor", Category: "notice",
				Body: "神経内科外来から訪問診療に移行した方です。月2回訪問します。すくみ足による転倒に注意してください。"},
			{Day: 26, At: "10:20", By: "doctor", Category: "notice",
				Medication: &Medication{
					Medications: "レボドパ・カルビドパ配合錠100mg 1回1錠 1日3回（7時・12時・17時）\nプラミペキソール徐放錠0.375mg 1回1錠 朝食後\n酸化マグネシウム錠330mg 1回1錠 1日2回",
					Reason:      "神経内科の処方を継続",
					Diagnoses:   "パーキンソン病（ヤールIII）、便秘症、起立性低血圧"}},
			{Day: 28, At: "16:00", By: "pharmacist", Category: "report",
				Body: "服薬の時刻が食事とずれると薬効切れ（wearing-off）が出やすいため、服薬時刻表を作って冷蔵庫に貼りました。"},
			{Day: 31, At: "11:20", By: "rehab-pt", Category: "report",
				Body: "すくみ足に対して、床にテープで目印をつけ、リズムをとって歩く練習を始めました。"},
			{Day: 35, At: "14:00", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 112/68（臥位）→ 96/60（立位）、P 72",
					Observations: "起立時の血圧低下あり。ゆっくり起き上がるよう指導。便秘は3日に1回。", NextVisit: 7}},
			{Day: 40, At: "15:10", By: "rehab-ot", Category: "report",
				Body: "ボタンの留め外しが難しくなっています。面ファスナーの衣類と、ボタンエイドをご提案しました。"},
			{Day: 47, At: "13:30", By: "socialworker", Category: "report",
				Body: "奥様（要支援1）も介護予防のサービスを始められました。ご夫婦ともに見守っていきます。"},
			{Day: 55, At: "18:30", By: "nurse", Category: "report", Importance: "important", To: []string{"doctor"},
				Body:     "夕方、薬の切れる時間帯にトイレで転倒されました（右肘の打撲のみ、外傷なし）。",
				Comments: []Comment{{After: 50, By: "doctor", Body: "wearing-offの時間帯ですね。レボドパを1日4回に分けます。明日処方します。"}}},
			{Day: 56, At: "12:30", By: "doctor", Category: "notice",
				Medication: &Medication{
					Medications: "レボドパ・カルビドパ配合錠100mg 1回1錠 1日4回（7時・11時・15時・19時）\nプラミペキソール徐放錠0.375mg 1回1錠 朝食後\n酸化マグネシウム錠330mg 1回1錠 1日2回",
					Reason:      "wearing-offによる夕方の転倒のため、1日4回に分割",
					Diagnoses:   "パーキンソン病（ヤールIII、wearing-offあり）、便秘症、起立性低血圧"},
				Comments: []Comment{{After: 180, By: "pharmacist", Body: "服薬時刻表を更新し、お薬カレンダーも1日4回用に替えました。"}}},
			{Day: 63, At: "10:30", By: "doctor", Category: "report", Body: "定期訪問。",
				Handover: &Handover{NextVisit: 14, PlanChanged: true, PlanChange: "レボドパを1日4回に変更。",
					Cautions: "新しい時間帯のジスキネジア（不随意運動）、幻覚、起立性低血圧に注意。"}},
			{Day: 77, At: "16:30", By: "caremgr", Category: "notice",
				Body: "夜間のトイレ移動での転倒を防ぐため、ポータブルトイレを導入しました。夜間はこちらを使っていただきます。"},
			{Day: 91, At: "11:40", By: "rehab-pt", Category: "report",
				Body: "服薬を4回に分けてから、夕方のすくみ足が減りました。屋内の歩行は見守りで安定しています。"},
			{Day: 98, At: "10:40", By: "doctor", Category: "report", Body: "定期訪問。",
				Handover: &Handover{NextVisit: 14, Cautions: "幻覚なし。便秘に注意（3日出なければ頓用の下剤を）。"}},
			{Day: 105, At: "14:10", By: "nurse", Category: "report",
				Visit: &Visit{Vitals: "BP 118/70（臥位）→ 108/64（立位）、P 70",
					Observations: "起立性低血圧は軽減。奥様の疲労が見られるため、ケアマネに相談予定。", NextVisit: 7}},
			{Day: 112, At: "10:30", By: "doctor", Category: "report", Body: "定期訪問。",
				Handover: &Handover{NextVisit: 14, Cautions: "嚥下の状態を観察（むせが増えていないか）。"}},
			{Day: 119, At: "15:20", By: "rehab-ot", Category: "report",
				Body: "食事の時のむせは見られません。スプーンを太柄のものに替えたところ、自分で食べられる量が増えました。"},
		},
	},
}

// Groups are each demo tenant's boards.
var Groups = []Group{
	{
		Name:        "多職種連携 勉強会",
		Description: "地域の医療・介護職が月1回集まる勉強会です。テーマの提案や資料の共有はこちらへ。",
		By:          "socialworker", Day: 15,
		Members: []string{"doctor", "nurse", "caremgr", "pharmacist", "rehab-pt", "rehab-ot", "helper"},
		Posts: []Post{
			{Day: 15, At: "10:00", By: "socialworker", Category: "notice",
				Body:     "第1回勉強会のご案内です。テーマは「ACP（人生会議）を在宅でどう進めるか」。来月第2木曜 18:30〜、市役所の会議室にて。講師は在宅クリニックの先生です。",
				Comments: []Comment{{After: 120, By: "doctor", Body: "資料を準備します。事例を1つご紹介する予定です。"}}},
			{Day: 45, At: "09:30", By: "socialworker", Category: "report",
				Body: "第1回の参加者は24名でした。アンケートでは「ほかの職種の考え方がわかった」という声が多数ありました。資料は次回の会場でもお配りします。"},
			{Day: 50, At: "12:30", By: "pharmacist", Category: "request",
				Body: "次回のテーマとして「ポリファーマシーと服薬支援」を提案します。薬局から事例を出せます。",
				Comments: []Comment{
					{After: 60, By: "nurse", Body: "ぜひお願いします。"},
					{After: 200, By: "caremgr", Body: "賛成です。ケアマネからも服薬管理で困った事例を出します。"}}},
			{Day: 80, At: "09:00", By: "socialworker", Category: "notice", Importance: "important",
				Body: "第2回のご案内です。テーマ「ポリファーマシーと服薬支援」、来週木曜 18:30〜、市役所の会議室にて。事前に事例シートをご覧ください。"},
			{Day: 110, At: "17:30", By: "rehab-ot", Category: "consultation",
				Body:     "第3回の候補テーマとして「住宅改修と福祉用具の選び方」はいかがでしょうか。ご意見をお聞かせください。",
				Comments: []Comment{{After: 90, By: "helper", Body: "ヘルパーも現場で迷うことが多いので、ぜひ聞きたいです。"}}},
		},
	},
	{
		Name:        "北地区 地域ケア会議",
		Description: "北地区の地域ケア会議（隔月）の連絡用です。事例の提出と議事要旨の共有に使います。個人が特定される情報は書かないでください。",
		By:          "socialworker", Day: 30,
		Members: []string{"caremgr", "doctor", "nurse", "helper"},
		Posts: []Post{
			{Day: 30, At: "14:00", By: "socialworker", Category: "request",
				Body:     "北地区の地域ケア会議を隔月で開催します。次回は個別事例の検討（独居高齢者の見守り）です。事例の提出にご協力をお願いします。",
				Comments: []Comment{{After: 1440, By: "caremgr", Body: "1事例提出します（個人が特定されない形にします）。"}}},
			{Day: 60, At: "16:30", By: "socialworker", Category: "report",
				Body: "第1回の議事要旨です。\n① 見守りネットワークに新聞販売店・郵便局が参加\n② 移動販売車の巡回ルートを北地区の団地まで延長\n③ 次回のテーマは災害時の要配慮者支援"},
			{Day: 100, At: "09:00", By: "socialworker", Category: "notice", Importance: "important",
				Body: "第2回は来週火曜 14:00〜、北地区コミュニティセンターにて。テーマは「災害時の要配慮者支援」です。在宅酸素や人工呼吸器を使っている方の把握について意見交換します。",
				Comments: []Comment{
					{After: 80, By: "doctor", Body: "在宅酸素の方の停電時の対応について話題提供します。"},
					{After: 150, By: "nurse", Body: "訪問看護ステーションのBCP（事業継続計画）を共有します。"}}},
			{Day: 114, At: "18:00", By: "helper", Category: "consultation",
				Body:     "会議で話題になった「ゴミ出しが難しい独居の方」への支援について、ヘルパー以外に頼める資源はありますか。",
				Comments: []Comment{{After: 900, By: "socialworker", Body: "市のふれあい収集（戸別回収）が使えます。申請は地域包括でお手伝いします。"}}},
		},
	},
}
