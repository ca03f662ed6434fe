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
var Sectors = []Sector{
	{"government", []string{"Government", "Governments", "Governmental", "Ministry", "Ministries", "Public Sector",
		"Public Administration", "Embassy", "Embassies", "Diplomatic", "Diplomats", "Foreign Affairs"}},
	{"defense", []string{"Defense", "Defence", "Military", "Armed Forces", "Defense Industrial Base",
		"Defense Contractors", "Defence Contractors"}},
	{"energy", []string{"Energy", "Oil and Gas", "Power Grid", "Electricity", "Electric Utilities", "Nuclear",
		"Petrochemical"}},
	{"financial", []string{"Financial", "Finance", "Banking", "Banks", "Financial Institutions", "Cryptocurrency",
		"Cryptocurrency Exchanges", "Insurance", "FinTech"}},
	{"healthcare", []string{"Healthcare", "Health Care", "Hospital", "Hospitals", "Medical", "Pharmaceutical",
		"Pharmaceuticals", "Biotech"}},
	{"telecommunications", []string{"Telecommunications", "Telecommunication", "Telecom", "Telecoms",
		"Telecom Operators", "Mobile Operators", "Internet Service Providers"}},
	{"education", []string{"Education", "Universities", "University", "Academic", "Academia", "Research Institutes",
		"Research Institutions"}},
	{"technology", []string{"IT Services", "Managed Service Providers", "Software Companies", "Semiconductor",
		"Semiconductors", "Technology Companies"}},
	{"manufacturing", []string{"Manufacturing", "Industrial", "Automotive", "Industrial Control Systems"}},
	{"transportation", []string{"Transportation", "Aviation", "Airlines", "Airports", "Maritime", "Shipping",
		"Logistics", "Railway", "Railways"}},
	{"aerospace", []string{"Aerospace", "Satellite", "Satellites"}},
	{"media", []string{"News Media", "Media Outlets", "Media Organizations", "Journalists", "Broadcasters",
		"Broadcasting"}},
	{"civil society", []string{"NGO", "NGOs", "Non-Governmental Organizations", "Think Tanks", "Think Tank",
		"Civil Society", "Human Rights", "Activists", "Dissidents"}},
	{"political", []string{"Elections", "Election", "Political Parties", "Political Party", "Politicians"}},
	{"critical infrastructure", []string{"Critical Infrastructure"}},
	{"retail", []string{"Retail", "Retailers", "Hospitality", "E-commerce", "Hotels"}},
	{"legal", []string{"Law Firms", "Legal Sector"}},
	{"chemical", []string{"Chemical", "Chemicals"}},
	{"water", []string{"Water Utilities", "Water Treatment"}},
	{"gaming", []string{"Online Gaming", "Gaming Companies", "Gambling", "Casinos", "Video Game"}},
	{"agriculture", []string{"Agriculture", "Agricultural"}},
	{"construction", []string{"Construction", "Engineering Firms"}},
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
