package intel

import (
	"strings"
	"sync"
)

// commonWordList holds frequent English words (function words, and the
// nouns, verbs and adjectives of everyday and IT prose) that are also
// names of malware, tools or groups in public catalogues: "at", "net",
// "page", "empire", "play", "royal". A one-word object name on this list
// says nothing when it occurs in prose: report linking does not look for
// it, and forum posts link it only when written as an acronym. The list is
// a constant; IsCommonWord turns it into a set once.
const commonWordList = `
a about above across act action active add after again against age agent ago air all allow almost alone along
already also although always am among an and another answer any anyone anything app apple application are area
argument arm around art as ask at attack attempt auto away back bad bank base basic be bear bear became because
become bed been before began begin behind being believe below best better between big bill bird black blue board
boat body book border both box boy bread break bridge bring brother brought brown build built burn business but
buy by call came camp can capital captain car card care carry case cat catch cause center century certain chain
chair chance change charge check child children choose church circle city claim class clean clear client close
cloud coast code cold color come common company complete computer condition consider contain content control cook
copy corn cost could count country course cover create cross crowd cry current cut dark data day dead deal dear
death decide deep degree design develop device did die different direct discover distant do doctor does dog
dollar done door down draw dream dress drink drive drop dry during duty each ear early earth east easy eat edge
effect egg eight either else empire end enemy engine enough enter epic equal even evening event ever every exact
example except exchange exercise expand expect experience explain eye face fact fair fall family far farm fast
father fear feel feet fell felt few field fight figure file fill final find fine finger finish fire first fish
five flat floor flow flower fly follow food foot for force forest form forward found four free fresh friend
from front fruit full fun future game garden gas gate gather gave general gentle get girl give glad glass go gold
good got govern great green grew ground group grow guard guess guide gun had hair half hand happen happy hard has
hat have he head hear heard heart heat heavy held help her here high hill him his history hit hold hole home hope
horse host hot hour house how however huge human hundred hunt hurry ice idea if image important in inch include
increase index information insect inside instant instead interest into iron is island it its job join joy jump
just keep kept key kid kill kind king kitten knew know land language large last late laugh law lay lead learn
least leave left leg less let letter level lie life lift light like line link list listen little live load local
lock long look lost lot loud love low machine made magnet main major make man many map mark market mass master
match matter may me mean measure meat meet member memory men message metal method middle might mile milk mind
mine minute miss mode model modern moment money monkey month moon more morning most mother motion mount mountain
mouse move much music must my name nation natural nature near need net network never new news next night nine no
noise none noon nor north nose not note nothing notice now number object observe ocean of off offer office often
oil old on once one only open operate option or order other our out over own page paint pair paper part party pass
past path pattern pay people perhaps period person phone pick picture piece ping place plain plan plane plant play
please plural poem point pole poor port position possible post pound power press pretty print probable problem
process produce product program proper protect prove provide proxy pull push put queen question quick quiet quite race
radio rain raise ran range rather reach read ready real reason receive record red region remember repeat reply
report rest result return rich ride right ring rise river road rock roll room root rope rose round route row royal
rule run safe said sail salt same sand sat save saw say scale school science score sea search season seat second
section see seed seem select self sell send sense sent sentence serve service set settle seven several shadow
shall shape share sharp she sheet shell shine ship shop shore short should shoulder shout show side sight sign
silent silver simple since sing single sister sit six size skill skin sky sleep slow small smell smile snow so
soft soil soldier solution some son song soon sound south space speak special speed spell spend spider spirit
spot spread spring square stand star start state station stay steam steel step stick still stone stood stop store
storm story straight strange stream street strong student study subject such sudden sugar summer sun supply
support sure surface surprise sweet swim system table tail take talk task tall teach team teeth tell ten term test
than thank that the their them then there these they thick thin thing think third this those though thought
thousand three through throw thus tie time tiny to today together told tone too took tool top total touch toward
town track trade train travel tree trip trouble true try tube turn twenty two type under unit until up update upon
us use user usual valley value very view village visit voice vote wait walk wall want war warm was wash watch
water wave way we wear weather week weight well went were west what wheel when where whether which while white who
whole whose why wide wife wild will win wind window winter wire wish with without woman wonder wood word work world
would write wrong yard year yellow yes yet you young your zero
`

// commonWords is the set of commonWordList, built once: every report's
// dictionary asks for it. The set is only read.
var commonWords = sync.OnceValue(func() map[string]bool {
	words := strings.Fields(commonWordList)
	set := make(map[string]bool, len(words))
	for _, w := range words {
		set[w] = true
	}
	return set
})

// IsCommonWord reports whether w, in any case, is on the common-word list.
func IsCommonWord(w string) bool { return commonWords()[strings.ToLower(w)] }
