package web

import (
	"fmt"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/i18n"
)

// jst is Japan time. Japan keeps no daylight saving time, so a fixed zone
// is exact and needs no time-zone database on the host.
var jst = time.FixedZone("JST", 9*60*60)

// eras are the Japanese eras from Meiji, newest first, by their first day
// in Japan time. Before 1873 Japan used another calendar, so earlier dates
// are shown in the Gregorian calendar only.
var eras = []struct {
	name  string
	start time.Time
}{
	{"令和", time.Date(2019, 5, 1, 0, 0, 0, 0, jst)},
	{"平成", time.Date(1989, 1, 8, 0, 0, 0, 0, jst)},
	{"昭和", time.Date(1926, 12, 25, 0, 0, 0, 0, jst)},
	{"大正", time.Date(1912, 7, 30, 0, 0, 0, 0, jst)},
	{"明治", time.Date(1873, 1, 1, 0, 0, 0, 0, jst)},
}

// EraDate formats t's day in Japan time with the Japanese era, as
// 令和8年11月25日 (the first year of an era is 元年).
func EraDate(t time.Time) string {
	t = t.In(jst)
	for _, e := range eras {
		if !t.Before(e.start) {
			y := t.Year() - e.start.Year() + 1
			year := fmt.Sprint(y)
			if y == 1 {
				year = "元"
			}
			return fmt.Sprintf("%s%s年%d月%d日", e.name, year, t.Month(), t.Day())
		}
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// formatTime shows a time.Time or *time.Time in Japan time: in Japanese
// with the era, in English day-month-year. A nil or zero time is "".
func formatTime(lang string, v any, clock, seconds bool) string {
	t, ok := asTime(v)
	if !ok {
		return ""
	}
	t = t.In(jst)
	layout := "15:04"
	if seconds {
		layout = "15:04:05"
	}
	if lang == i18n.English {
		if !clock {
			return t.Format("2 Jan 2006")
		}
		return t.Format("2 Jan 2006, " + layout)
	}
	if !clock {
		return EraDate(t)
	}
	return EraDate(t) + " " + t.Format(layout)
}

func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t == nil || t.IsZero() {
			return time.Time{}, false
		}
		return *t, true
	}
	return time.Time{}, false
}

// parseDay reads a YYYY-MM-DD day as the start of that day in Japan time.
func parseDay(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", s, jst)
}

// Age is the age in whole years, on now's day in Japan, of a person born
// on birth (a calendar day).
func Age(birth, now time.Time) int {
	now = now.In(jst)
	age := now.Year() - birth.Year()
	if now.Month() < birth.Month() || (now.Month() == birth.Month() && now.Day() < birth.Day()) {
		age--
	}
	return age
}

// formatDay shows a YYYY-MM-DD day: with the era in Japanese, day month
// year in English. Anything that is not such a day is shown as it is.
func formatDay(lang, s string) string {
	d, ok := care.ParseDate(s)
	if !ok {
		return s
	}
	// The day as such, whatever the zone: noon in Japan keeps it there.
	return formatTime(lang, time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, jst), false, false)
}

// formatBirthDate shows a birth date with the age on now's day, as
// 昭和13年4月1日（88歳）; format is the catalog message taking the day
// and the age.
func formatBirthDate(lang, s string, now time.Time, format func(day string, age int) string) string {
	d, ok := care.ParseDate(s)
	if !ok {
		return s
	}
	return format(formatDay(lang, s), Age(d, now))
}
