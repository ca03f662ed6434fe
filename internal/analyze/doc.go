// Package analyze reads attacker activity along time: timestamps as sources
// write them (Parse, Reader), a group's time profile (Builder, Profile) and
// the similarity of two profiles (TimeSimilarity, JSSimilarity).
//
// # Conventions
//
// The hour-of-week histogram is in UTC: index = day×24 + hour with Monday
// = 0, so index 0 is Monday 00:00–00:59 UTC and 167 Sunday 23:00–23:59
// UTC. Weekdays elsewhere are numbered the same way (Monday = 0). Offsets
// are hours east of UTC.
//
// A timestamp counts for what its precision allows (Used says how many
// did): every one for the timeline (first, last, months); those with a
// date for weekdays and the weekend; only those with a time of day for the
// hour-of-week histogram and the offset. A date is taken as written, with
// no offset moving it to another day.
//
// # Inference
//
// The model explains activity as a mixture: with weight π, work in local
// office hours on the five working days; with weight 1 − π, background
// spread evenly over the week. Office hours are 08:00–18:00 local with
// logistic edges an hour wide, so a 09–17 worker is explained best by the
// offset that centres the activity, not equally by three neighbours. For
// each candidate (offset, weekend) — offsets −12…+14 in whole hours,
// weekends Sat–Sun, Fri–Sat and Thu–Fri — the likelihood of the counts is
// maximised over π (one concave problem per candidate); timestamps with a
// time of day contribute their UTC hour of week shifted by the offset,
// dates their written weekday (π/5 on a working day + (1 − π)/7). The
// posterior over candidates is that likelihood times a prior: offsets
// uniform, weekends 0.7 / 0.2 / 0.1 (a judgement of how common each is).
// Confidence is the posterior of the answer given: the best pair, or the
// best weekend alone when no timestamp has a time of day, since dates say
// nothing of the offset. The second-best answer is the next pair (or
// weekend). Each answer carries its fitted π (WorkShare): near 0 the
// timestamps show no weekly pattern and the confidence is only the prior.
// The posterior is that of the model: with hundreds of
// timestamps it approaches 1 even where real hours differ from 08–18, so
// read it with the second best and the shares.
//
// Offset and weekend interact: a shift of 24 hours with the weekend one day
// earlier explains times identically (UTC+14 with Sat–Sun is UTC−10 with
// Fri–Sat). Within −12…+14 these twins exist only at the ends of the
// range; dates, which do not shift, tell them apart, and otherwise the
// weekend prior decides, with the twin as the second best.
//
// Half-hour zones (India +5:30, Iran +3:30, Afghanistan +4:30) are not
// candidates: the histogram has one-hour bins, and people's start and end
// times vary by more than half an hour, so a +5:30 actor shows as +5 or +6
// with the other as the close second best.
//
// The package is pure: it reads from io.Readers and strings and does no
// I/O of its own.
package analyze
