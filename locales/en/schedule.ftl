## Reminders, pausing them, schedules (/schedule) and delivery problems.

command-pause = Pause reminders (leave, illness)
command-schedule = Set the reminder and digest schedule
command-summary = Visit summary (this week, last week, this month)

reminder-text =
    Hello { $name } 👋
    There is no visit report from <b>{ $agency }</b> for your assisted villages this week yet. If you have visited, report it now; it takes two minutes.
reminder-report-now = 📝 Report now
reminder-pause = ⏸ Pause reminders

delivery-blocked =
    ⚠️ { $count ->
        [one] One person
       *[other] { $count } people
    } blocked the bot, so they no longer receive messages, and were marked inactive: { $names }. Contact them if this is a mistake.

pause-choose =
    { $status }
    How long should reminders pause?
pause-days = { $days } days
pause-resume = ▶️ Turn back on
pause-status-paused = ⏸ Your reminders are paused until { $until }.
pause-status-active = 🔔 Your reminders are on.
pause-staff-only = Reminders are only sent to field staff.

schedule-overview =
    <b>Schedule</b> (time zone { $timezone })
    🔔 Reminder for staff: <b>{ $reminder }</b>
    📊 Weekly digest for coordinators: <b>{ $digest }</b>
    No reminders are sent on national holidays and joint leave days.
schedule-change-reminder = Change the reminder schedule
schedule-change-digest = Change the digest schedule
schedule-name-reminder = the reminder
schedule-name-digest = the weekly digest
schedule-choose-day = On which day is { $what } sent?
schedule-choose-time = At what time is { $what } sent every { $day }?
schedule-saved = ✅ Schedule saved; it applies at once.
