## /broadcast: an admin's message to one role in one scope.

command-broadcast = Send a broadcast to staff or coordinators
broadcast-not-allowed = Only admins can send broadcasts.
broadcast-stale = This button does not belong to your broadcast. Start again with /broadcast.
broadcast-ask-audience = Who is the broadcast for?
broadcast-audience-staff = Field staff
broadcast-audience-kecamatan = Kecamatan coordinators
broadcast-audience-regency = Regency coordinators
broadcast-audience-everyone = Everyone
broadcast-ask-scope = For the whole regency or one kecamatan?
broadcast-scope-regency = Whole regency
broadcast-ask-message = Type the message (at most { $text_max } characters), or send one photo with a caption (at most { $caption_max } characters). /cancel to stop.
broadcast-text-too-long = The message is too long: { $length } characters, at most { $max }. Shorten it and send it again.
broadcast-caption-too-long = The caption is too long: { $length } characters, at most { $max }. Send the photo again with a shorter caption.
broadcast-preview = Above is the preview. It will go to { $count } { $raw_count ->
    [one] person
   *[other] people
}. Send it now?
broadcast-confirm-button = ✅ Send
broadcast-cancel-button = ✖️ Cancel
broadcast-nobody = Nobody matches this broadcast. Cancel it and choose other recipients with /broadcast.
broadcast-sending = The broadcast is being sent to { $count } people. A delivery report follows when it is done.
broadcast-cancelled = Broadcast cancelled; nothing was sent.
broadcast-expected-audience = Choose the recipients with the buttons above, or /cancel.
broadcast-expected-scope = Choose the area with the buttons above, or /cancel.
broadcast-expected-message = Send text (at most { $text_max } characters) or one photo with a caption, or /cancel.
broadcast-expected-confirm = Press ✅ Send or ✖️ Cancel on the preview above.
broadcast-report = Broadcast report: { $sent } sent, { $blocked } blocked the bot, { $failed } failed.
