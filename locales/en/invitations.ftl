## /invite: invitations.

invite-choose-role = New invitation. Which role will the new user have?
invite-choose-agency = Choose this staff member's agency (page { $page } of { $pages }):
invite-choose-kecamatan = Choose the kecamatan to coordinate:
invite-no-agencies = There are no agencies yet. Import them first with <code>dampingan import agencies FILE</code>.
invite-no-kecamatan = There are no kecamatan yet. Import them first with <code>dampingan import regions FILE</code>.
invite-confirm = Create an invitation for the role <b>{ $role }</b>? This role can see the data of the whole regency.
invite-cancelled = Invitation cancelled.
invite-created = ✅ Invitation created for: <b>{ $scope }</b>. The link and QR code follow below.
invite-link =
    Dampingan invitation for <b>{ $scope }</b>

    Open this link in Telegram, or scan the QR code:
    { $link }

    Single use, valid until { $expires }. Do not share it in groups.

invite-problem-unknown = This invitation link is not known. Check that the link is complete, or ask a Dampingan admin for a new invitation.
invite-problem-used = This invitation link has already been used. Each invitation is for one person only; ask a Dampingan admin for a new one.
invite-problem-expired = This invitation link has expired. Ask a Dampingan admin for a new invitation.
