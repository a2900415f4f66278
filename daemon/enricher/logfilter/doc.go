// Package logfilter decides which attributed audit records the log
// enricher logs and counts, from SPOD spec.enricher.logEnricherFilters.
//
// Two formats are accepted, one per list (Parse tells them apart by the
// "action" key, and refuses a list that mixes them):
//
//   - SPO's: [{"priority":N,"level":"Metadata"|"None","matchKeys":[...],"matchValues":[...]}].
//     Rules are tried from the lowest priority up (list order among equal
//     priorities); the first that matches decides: Metadata logs the
//     record, None drops it. A rule matches when the record has any of
//     its matchKeys with, if matchValues is set, one of those values (pid
//     and syscallID compare as numbers). A record no rule matches is
//     logged. Keys are the names of the log line's fields (Keys); a key no
//     record can have, an empty matchKeys, a level other than Metadata or
//     None, or an unknown field is an error, not a rule that silently never
//     matches.
//   - spo's own: [{"action":"keep"|"drop", "namespace":"glob", ...}]
//     (Filters): every set field must match (path.Match); the first
//     matching entry decides.
//
// The manager parses the SPOD's list with Parse before it renders the
// DaemonSet, so a bad list is an SPOD error, never a crashlooping
// enricher; the enricher parses the same string again at start.
package logfilter
