## /users: people management by admins.

command-users = Manage users: role, area, active or not
people-all = all roles
people-filter-all = 👥 All
people-list = <b>Users</b> ({ $role }): { $total } people, page { $page } of { $pages }. Tap a name to see their card.
people-list-mark = { $active ->
        [yes] ✅
       *[no] ⛔
    }
people-list-line = { $mark } { $name }: { $last }
people-list-last-report = last report { $date }
people-list-no-report = no report yet
people-filter-agency = 🏢 By agency
people-filter-kecamatan = 📍 By kecamatan
people-filter-anywhere = ✖️ All areas
people-filter-kecamatan-label = { $kecamatan } district
people-filter-both = { $role }, { $where }
people-choose-filter-agency = Show the staff of which agency? (page { $page } of { $pages })
people-choose-filter-kecamatan = Show the people of which kecamatan: its coordinators and the staff of agencies accompanying a village there? (page { $page } of { $pages })
people-button-search = 🔎 Search
people-button-search-again = 🔎 Search again
people-search-ask = 🔎👥 Reply to this message with the name (or part of it), @username or Telegram id of the person you are looking for (at most { $most } characters).
people-search-placeholder = name, @username or id
people-search-empty = There is nothing to search for. Reply to the question above again with a name, @username or Telegram id.
people-search-too-long = Too long: at most { $most } characters. Reply to the question above again with something shorter.
people-search-none = No user matches «{ $text }». Reply to the question above again with other words.
people-search-found = 🔎 «{ $text }»: { $total } people. Tap a name to see their card.
people-search-more = Showing the first { $shown } of { $total }: narrow the search to see the others.
people-language-id = Indonesian
people-language-en = English
people-card =
    <b>{ $name }</b>{ $username ->
        [none] {""}
       *[other] {" "}(@{ $username })
    }
    Role: { $scope }
    Language: { $language }
    Status: { $active ->
        [yes] ✅ active
       *[no] ⛔ deactivated
    }
    { $invited }
    { $last_report }
people-card-invited = Invited by { $by }, joined { $when }
people-card-not-invited = Registered as admin from the settings (no invitation)
people-card-last-report = Last report: { $reference }, { $when }
people-card-no-report = No report sent yet
people-button-deactivate = ⛔ Deactivate
people-button-reactivate = ✅ Reactivate
people-button-role = 🔁 Change role
people-confirm-deactivate = Deactivate <b>{ $name }</b>? From then on the bot refuses them and they get no reminders or digests. Their reports are kept.
people-confirm-reactivate = Reactivate <b>{ $name }</b>?
people-confirm-change-role = Change the role of <b>{ $name }</b> to <b>{ $scope }</b>?
people-choose-role = New role for { $name }:
people-choose-agency = Agency for { $name }:
people-choose-kecamatan = Kecamatan coordinated by { $name }:
people-done-deactivate = User deactivated.
people-done-reactivate = User reactivated.
people-done-role = Role changed.
people-refused-self-deactivate = You cannot deactivate yourself.
people-refused-own-admin = You cannot remove your own admin role.
people-refused-last-admin = This is the last active admin: make someone else admin first.

## /assign: which villages each agency accompanies.

command-assign = Set the villages each agency accompanies
assign-choose-agency = <b>Assigned villages</b>: choose an agency (page { $page } of { $pages }):
assign-overview =
    <b>{ $agency }</b>: villages assigned now
    { $lines }
assign-overview-empty = <b>{ $agency }</b> has no village assigned.
assign-line = • { $village } ({ $kecamatan } district)
assign-line-ending = • { $village } ({ $kecamatan } district), until { $until }
assign-button-end = ✖️ End { $village }
assign-button-add = ➕ Add a village
assign-choose-kecamatan = New village for { $agency }: choose the kecamatan.
assign-choose-village = Villages of Kecamatan { $kecamatan } not yet assigned to { $agency }:
assign-no-village-left = Every village of Kecamatan { $kecamatan } is already assigned to { $agency }.
assign-confirm-add = Assign <b>{ $village }</b> ({ $kecamatan } district) to <b>{ $agency }</b> from { $date }?
assign-confirm-end = When does <b>{ $agency }</b>'s assignment to <b>{ $village }</b> end? Its last day can still be reported.
assign-end-t = Today ({ $date })
assign-end-m = End of this month ({ $date })
assign-end-typed = 📅 Another date (type it)
assign-ask-date = 🗓 #{ $id } Reply to this message with the last day of <b>{ $agency }</b>'s assignment to <b>{ $village }</b>, e.g. 31-12-2026.
assign-date-placeholder = DD-MM-YYYY
assign-bad-date = That date could not be read. Write it like 31-12-2026 and reply to the question above again.
assign-date-out-of-range = That date cannot be used: today ({ $today }) at the earliest, and not before the assignment began. Reply to the question above again.
assign-confirm-end-on = End <b>{ $agency }</b>'s assignment to <b>{ $village }</b> on { $date }?
