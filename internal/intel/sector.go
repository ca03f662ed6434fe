package intel

import "strings"

// Sector is one entry of spoor's vocabulary of targeted sectors: a key
// (stored), and the names reports use for it. Names are matched whole-word
// and case-insensitively by the report linker, so each is specific enough
// not to match ordinary prose ("Media" alone is not: "social media").
type Sector struct {
	Key   string   `json:"key"`
	Names []string `json:"names"`
}

// Sectors is the sector vocabulary, loosely following the critical
// infrastructure sectors and the industries threat reports name.
// The names include the Chinese sector names of vendor clusters (360.net's
// target categories), so that their groups meet the others on sectors.
var Sectors = []Sector{
	{"government", []string{"Government", "Governments", "Governmental", "Ministry", "Ministries", "Public Sector",
		"Public Administration", "Embassy", "Embassies", "Diplomatic", "Diplomats", "Foreign Affairs", "政府", "政府机构", "政府等重要机构", "外交"}},
	{"defense", []string{"Defense", "Defence", "Military", "Armed Forces", "Defense Industrial Base",
		"Defense Contractors", "Defence Contractors", "军事", "军事等重要机构", "国防", "国防军工", "国防工业", "外交军事"}},
	{"energy", []string{"Energy", "Oil and Gas", "Power Grid", "Electricity", "Electric Utilities", "Nuclear",
		"Petrochemical", "能源", "能源机构", "电力"}},
	{"financial", []string{"Financial", "Finance", "Banking", "Banks", "Financial Institutions", "Cryptocurrency",
		"Cryptocurrency Exchanges", "Insurance", "FinTech", "金融"}},
	{"healthcare", []string{"Healthcare", "Health Care", "Hospital", "Hospitals", "Medical", "Pharmaceutical",
		"Pharmaceuticals", "Biotech", "医疗"}},
	{"telecommunications", []string{"Telecommunications", "Telecommunication", "Telecom", "Telecoms",
		"Telecom Operators", "Mobile Operators", "Internet Service Providers", "信息和通信", "信息和通信产业", "信息通信", "通讯", "电信运营商", "通信运营商"}},
	{"education", []string{"Education", "Universities", "University", "Academic", "Academia", "Research Institutes",
		"Research Institutions", "教育", "科研", "科研机构", "科学研究与技术服务", "工业科研"}},
	{"technology", []string{"IT Services", "Managed Service Providers", "Software Companies", "Semiconductor",
		"Semiconductors", "Technology Companies", "信息技术"}},
	{"manufacturing", []string{"Manufacturing", "Industrial", "Automotive", "Industrial Control Systems", "制造", "工业"}},
	{"transportation", []string{"Transportation", "Aviation", "Airlines", "Airports", "Maritime", "Shipping",
		"Logistics", "Railway", "Railways"}},
	{"aerospace", []string{"Aerospace", "Satellite", "Satellites", "航天", "航空航天"}},
	{"media", []string{"News Media", "Media Outlets", "Media Organizations", "Journalists", "Broadcasters",
		"Broadcasting", "媒体", "媒体通讯", "新闻媒体"}},
	{"civil society", []string{"NGO", "NGOs", "Non-Governmental Organizations", "Think Tanks", "Think Tank",
		"Civil Society", "Human Rights", "Activists", "Dissidents", "智库", "社会组织"}},
	{"political", []string{"Elections", "Election", "Political Parties", "Political Party", "Politicians"}},
	{"critical infrastructure", []string{"Critical Infrastructure"}},
	{"retail", []string{"Retail", "Retailers", "Hospitality", "E-commerce", "Hotels"}},
	{"legal", []string{"Law Firms", "Legal Sector"}},
	{"chemical", []string{"Chemical", "Chemicals"}},
	{"water", []string{"Water Utilities", "Water Treatment"}},
	{"gaming", []string{"Online Gaming", "Gaming Companies", "Gambling", "Casinos", "Video Game"}},
	{"agriculture", []string{"Agriculture", "Agricultural"}},
	{"construction", []string{"Construction", "Engineering Firms", "建筑"}},
	{"religious", []string{"Religious Organizations", "Religious Groups"}},
}

// FindSector returns the sector key a name denotes (a key or one of its
// names, any case), or "".
func FindSector(name string) string {
	n := strings.ToLower(strings.Join(strings.Fields(name), " "))
	for _, s := range Sectors {
		if s.Key == n {
			return s.Key
		}
		for _, alias := range s.Names {
			if strings.ToLower(alias) == n {
				return s.Key
			}
		}
	}
	return ""
}
