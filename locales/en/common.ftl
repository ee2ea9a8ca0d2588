## Shared words and the access gate.

role-staff = Field staff
role-kecamatan_coordinator = Kecamatan coordinator
role-regency_coordinator = Regency coordinator
role-admin = Admin

scope-agency = { $role } — { $agency }
scope-kecamatan = { $role } — Kecamatan { $kecamatan }
scope-regency = { $role } — Kabupaten Pemalang

access-not-registered =
    Hello { $name }! 👋
    This is <b>Dampingan</b>, the visit-reporting bot of Kabupaten Pemalang's "One Agency, One Assisted Village" programme.

    The bot is only for registered staff and coordinators. To get access, ask the Dampingan admin at Bappeda or in your agency for an <b>invitation link</b>, then open that link in Telegram.
access-not-registered-short = You are not registered yet. Ask a Dampingan admin for an invitation link.
access-slow-down = You are sending messages too fast, so the latest ones were ignored. Please wait for an answer before sending more.
access-deactivated =
    Your access to Dampingan has been deactivated. If this is a mistake, contact the Dampingan admin at Bappeda.
access-admin-only = This command is for admins only.
access-admin-only-alert = Sorry, only admins can use this button.

button-cancel = ✖️ Cancel
button-back = ◀️ Back
button-next = Next ▶️
button-previous = ◀️ Previous
button-confirm = ✅ Yes, go ahead

stale-button = This button is no longer valid. Please start again from the menu.
nothing-to-cancel = There is nothing in progress to cancel.
not-understood = Sorry, I did not understand that. Type /help to see what I can do.
error-generic = Sorry, something went wrong on our side. Your data is safe; please try again in a moment.
error-database-wait = ⏳ Our data server cannot be reached right now. Your message is not lost: it will be handled automatically as soon as the server is back, so there is no need to send it again.
