package demo

import "github.com/renrakucho/renrakucho/internal/care"

// The demo's fixed names. The slugs and logins are stable interfaces
// (DESIGN §8): scripts and acceptance checks log in with them.
const (
	// OperatorLogin is the demo's service operator.
	OperatorLogin = "operator"
	// AdminLogin is each demo tenant's first tenant admin.
	AdminLogin = "admin"
	// FacilityAdminLogin is each demo tenant's facility admin (of the clinic).
	FacilityAdminLogin = "fadmin"
)

// Operator is the demo operator's profile.
var Operator = User{Login: OperatorLogin, Name: "運用 一郎", Email: "operator@renrakucho.example"}

// Tenant is one demo tenant with everything seeded into it.
type Tenant struct {
	Slug    string
	Name    string
	Options []string
	// Facilities are created by the tenant admin; the tenant's own office
	// ("NAME 事務局") is created with the tenant.
	Facilities []Facility
	// Users lists every account, the first admin (AdminLogin) included.
	Users []User
}

// Facility is one demo facility; Key names it for User.Facilities.
type Facility struct {
	Key     string
	Kind    care.FacilityKind
	Name    string
	Address string
	Phone   string
	Area    string
}

// User is one demo account; Facilities are Facility keys.
type User struct {
	Login      string
	Name       string
	Kana       string
	Profession care.Profession
	Role       care.Role
	Email      string
	Facilities []string
}

// Admins returns the logins of the tenant's admins, who get client
// certificates for the admin console.
func (t Tenant) Admins() []string {
	var out []string
	for _, u := range t.Users {
		if u.Role.IsAdmin() {
			out = append(out, u.Login)
		}
	}
	return out
}

// Tenants are the two demo tenants. Names, addresses and telephone numbers
// are invented: the local parts of the numbers start with 0, which no real
// Japanese number does.
var Tenants = []Tenant{
	{
		Slug:    "demo",
		Name:    "みなと市 在宅医療・介護連携ネットワーク",
		Options: []string{"disaster", "emergency"},
		Facilities: []Facility{
			{"cityhall", "municipality", "みなと市役所 高齢介護課", "みなと市中央1-1-1", "045-000-1001", "中央"},
			{"clinic", "clinic", "みなと在宅クリニック", "みなと市港町2-3-5 みなとビル2階", "045-000-1101", "中央"},
			{"hospital", "hospital", "みなと市民病院", "みなと市北浜4-12-1", "045-000-1201", "北部"},
			{"nursing", "home_nursing", "みなと訪問看護ステーション", "みなと市南台1-8-3", "045-000-1301", "南部"},
			{"caremgmt", "care_management", "みなとケアプランセンター", "みなと市港町3-1-10", "045-000-1401", "中央"},
			{"pharmacy", "pharmacy", "うみかぜ薬局 港町店", "みなと市港町2-4-1", "045-000-1501", "中央"},
			{"support", "community_support", "みなと市 中央地域包括支援センター", "みなと市中央2-6-8", "045-000-1601", "中央"},
			{"helper", "home_help", "ヘルパーステーション みなと", "みなと市東浜5-2-7", "045-000-1701", "東部"},
			{"fire", "fire_department", "みなと市消防局 中央消防署", "みなと市中央3-3-3", "045-000-1901", "中央"},
		},
		Users: []User{
			{AdminLogin, "港 美咲", "ミナト ミサキ", "municipal_staff", care.RoleTenantAdmin, "admin@minato.example", []string{"cityhall"}},
			{FacilityAdminLogin, "佐藤 健一", "サトウ ケンイチ", "other", care.RoleFacilityAdmin, "fadmin@minato.example", []string{"clinic"}},
			{"doctor", "高橋 誠", "タカハシ マコト", "doctor", care.RoleMember, "doctor@minato.example", []string{"clinic"}},
			{"nurse", "鈴木 由美", "スズキ ユミ", "nurse", care.RoleMember, "", []string{"nursing"}},
			{"caremgr", "田中 裕子", "タナカ ユウコ", "care_manager", care.RoleMember, "", []string{"caremgmt"}},
			{"pharmacist", "伊藤 翔太", "イトウ ショウタ", "pharmacist", care.RoleMember, "", []string{"pharmacy"}},
			{"responder", "渡辺 大輔", "ワタナベ ダイスケ", "paramedic", care.RoleResponder, "", []string{"fire"}},
			{"rehab-pt", "山本 拓也", "ヤマモト タクヤ", "pt", care.RoleMember, "", []string{"nursing"}},
			{"rehab-ot", "中村 彩", "ナカムラ アヤ", "ot", care.RoleMember, "", []string{"hospital"}},
			{"helper", "小林 和子", "コバヤシ カズコ", "home_helper", care.RoleMember, "", []string{"helper"}},
			{"socialworker", "加藤 直美", "カトウ ナオミ", "social_worker", care.RoleMember, "", []string{"support"}},
		},
	},
	{
		Slug:    "demo2",
		Name:    "さくら町 地域包括ケアネット",
		Options: []string{"emergency"},
		Facilities: []Facility{
			{"cityhall", "municipality", "さくら町役場 福祉課", "さくら町本町1-1", "0467-00-2001", "本町"},
			{"clinic", "clinic", "さくら在宅診療所", "さくら町桜ヶ丘2-5-1", "0467-00-2101", "桜ヶ丘"},
			{"hospital", "hospital", "さくら町立病院", "さくら町本町3-10-1", "0467-00-2201", "本町"},
			{"nursing", "home_nursing", "訪問看護ステーション さくら", "さくら町川辺1-4-2", "0467-00-2301", "川辺"},
			{"caremgmt", "care_management", "居宅介護支援事業所 はなみずき", "さくら町桜ヶ丘1-9-6", "0467-00-2401", "桜ヶ丘"},
			{"pharmacy", "pharmacy", "さくら調剤薬局", "さくら町本町2-2-8", "0467-00-2501", "本町"},
			{"support", "community_support", "さくら町 地域包括支援センター", "さくら町本町1-1 役場別館", "0467-00-2601", "本町"},
			{"helper", "home_help", "訪問介護 ひだまり", "さくら町川辺3-7-1", "0467-00-2701", "川辺"},
			{"fire", "fire_department", "さくら町消防本部", "さくら町本町4-1", "0467-00-2901", "本町"},
		},
		Users: []User{
			{AdminLogin, "木村 陽子", "キムラ ヨウコ", "municipal_staff", care.RoleTenantAdmin, "admin@sakura.example", []string{"cityhall"}},
			{FacilityAdminLogin, "林 浩二", "ハヤシ コウジ", "other", care.RoleFacilityAdmin, "fadmin@sakura.example", []string{"clinic"}},
			{"doctor", "森 正樹", "モリ マサキ", "doctor", care.RoleMember, "doctor@sakura.example", []string{"clinic"}},
			{"nurse", "清水 恵", "シミズ メグミ", "nurse", care.RoleMember, "", []string{"nursing"}},
			{"caremgr", "山口 智子", "ヤマグチ トモコ", "care_manager", care.RoleMember, "", []string{"caremgmt"}},
			{"pharmacist", "池田 亮", "イケダ リョウ", "pharmacist", care.RoleMember, "", []string{"pharmacy"}},
			{"responder", "橋本 剛", "ハシモト ツヨシ", "paramedic", care.RoleResponder, "", []string{"fire"}},
			{"rehab-pt", "石川 悠斗", "イシカワ ユウト", "pt", care.RoleMember, "", []string{"hospital"}},
			{"rehab-ot", "前田 舞", "マエダ マイ", "ot", care.RoleMember, "", []string{"nursing"}},
			{"helper", "藤田 節子", "フジタ セツコ", "home_helper", care.RoleMember, "", []string{"helper"}},
			{"socialworker", "岡田 真理", "オカダ マリ", "social_worker", care.RoleMember, "", []string{"support"}},
		},
	},
}
