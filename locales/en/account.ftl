## Registration, help, language and the command menu.

command-start = Start / show the menu
command-help = Help: what I can do
command-language = Change language (Indonesia/English)
command-cancel = Cancel the form in progress
command-invite = Create an invitation for a new user

start-already-registered = You are already registered, so this invitation link was not used and can still be given to someone else.

help-command-line = /{ $command } — { $description }
help-welcome =
    Welcome, <b>{ $name }</b>! You are registered.
    Your role: <b>{ $scope }</b>

    { $role_intro }

    Commands you can use:
    { $commands }
help-body =
    <b>{ $name }</b> — { $scope }

    { $role_intro }

    Commands you can use:
    { $commands }
help-intro-staff = As field staff, you log every visit to your agency's assisted villages: village, date, strategy, activity, beneficiaries, description, photos and location.
help-intro-kecamatan_coordinator = As kecamatan coordinator, you receive a weekly digest of the visits to the villages of your kecamatan and can review reports.
help-intro-regency_coordinator = As regency coordinator (Bappeda/TKPK), you receive a weekly digest for the whole regency and can review reports.
help-intro-admin = As admin, you manage agencies, villages, assignments, users, schedules and exports. New users join through invitations you create.

language-name = 🇬🇧 English
language-choose = Pilih bahasa / Choose your language:
language-changed = Language changed to English. Your command menu has been updated too.
