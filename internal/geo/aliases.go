package geo

// extraNames are names ISO does not give that threat reports use: short
// forms, abbreviations written with capitals, and demonyms ("Iranian
// hackers", "targeting Ukrainian entities"). A demonym names the country
// whatever its role in the text (sponsor or victim); the reader decides.
// Adjectives that are also common English words ("Polish", "Turkish
// delight" aside) are left out where they would match ordinary prose.
var extraNames = map[string][]string{
	"AE": {"UAE", "Emirati"}, "AF": {"Afghan"}, "AM": {"Armenian"}, "AR": {"Argentine", "Argentinian"},
	"AT": {"Austrian"}, "AU": {"Australian"}, "AZ": {"Azerbaijani"}, "BD": {"Bangladeshi"},
	"BE": {"Belgian"}, "BG": {"Bulgarian"}, "BH": {"Bahraini"}, "BR": {"Brazilian"},
	"BY": {"Belarusian"}, "CA": {"Canadian"}, "CH": {"Swiss"}, "CL": {"Chilean"},
	"CN": {"PRC", "People's Republic of China", "Chinese"}, "CO": {"Colombian"}, "CU": {"Cuban"},
	"CZ": {"Czech", "Czech Republic"}, "DE": {"German"}, "DK": {"Danish"}, "DZ": {"Algerian"},
	"EC": {"Ecuadorian"}, "EE": {"Estonian"}, "EG": {"Egyptian"}, "ES": {"Spanish"},
	"ET": {"Ethiopian"}, "FI": {"Finnish"}, "FR": {"French"},
	"GB": {"UK", "U.K.", "Britain", "Great Britain", "British"}, "GE": {"Georgian"},
	"GR": {"Greek"}, "HU": {"Hungarian"}, "ID": {"Indonesian"}, "IE": {"Irish"},
	"IL": {"Israeli"}, "IN": {"Indian"}, "IQ": {"Iraqi"}, "IR": {"Iranian"},
	"IT": {"Italian"}, "JO": {"Jordanian"}, "JP": {"Japanese"}, "KE": {"Kenyan"},
	"KH": {"Cambodian"}, "KP": {"DPRK", "North Korean"}, "KR": {"ROK", "South Korean"},
	"KW": {"Kuwaiti"}, "KZ": {"Kazakh", "Kazakhstani"}, "LB": {"Lebanese"},
	"LT": {"Lithuanian"}, "LV": {"Latvian"}, "LY": {"Libyan"}, "MA": {"Moroccan"},
	"MD": {"Moldovan"}, "MM": {"Burma", "Burmese"}, "MN": {"Mongolian"}, "MX": {"Mexican"},
	"MY": {"Malaysian"}, "NG": {"Nigerian"}, "NL": {"Dutch", "Holland"}, "NO": {"Norwegian"},
	"OM": {"Omani"}, "PE": {"Peruvian"}, "PH": {"Filipino"}, "PK": {"Pakistani"},
	"PS": {"Palestinian"}, "PT": {"Portuguese"}, "QA": {"Qatari"}, "RO": {"Romanian"},
	"RS": {"Serbian"}, "RU": {"Russian"}, "SA": {"Saudi", "KSA"}, "SD": {"Sudanese"},
	"SE": {"Swedish"}, "SG": {"Singaporean"}, "SK": {"Slovak"}, "SY": {"Syrian"},
	"TH": {"Thai"}, "TN": {"Tunisian"}, "TR": {"Turkey", "Turkish"}, "TW": {"Taiwanese"},
	"UA": {"Ukrainian"}, "US": {"USA", "U.S.", "United States of America"}, "UZ": {"Uzbek"},
	"VE": {"Venezuelan"}, "VN": {"Vietnamese"}, "YE": {"Yemeni"}, "ZA": {"South African"},
}

// ambiguous are ISO names that ordinary English uses far more often for
// something else ("Jersey" in New Jersey, "Chad" the given name), or for two countries
// ("Congo"); the
// country is still found by its code.
var ambiguous = map[string]bool{"Jersey": true, "Chad": true, "Congo": true}
