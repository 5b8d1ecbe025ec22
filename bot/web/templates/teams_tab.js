// The Teams tab and meeting side panel: Teams single sign-on. TeamsJS gives an Entra token for the
// app; the server checks it and answers with the person's own overview link (the meeting's, in a
// meeting it can match), which the tab then opens. Without TeamsJS (a plain browser) nothing happens
// and the page's text says how to get a link in the chat.
(function () {
  var status = document.getElementById("innlogging");
  function say(text) { if (status) { status.textContent = text; } }
  if (!window.microsoftTeams) { say(""); return; }
  var teams = window.microsoftTeams;
  var inMeeting = false;
  teams.app.initialize().then(function () {
    return teams.app.getContext();
  }).then(function (context) {
    inMeeting = !!(context && context.meeting && context.meeting.id);
    var details = inMeeting && teams.meeting && teams.meeting.getMeetingDetails
      ? teams.meeting.getMeetingDetails().catch(function () { return null; })
      : Promise.resolve(null);
    return Promise.all([teams.authentication.getAuthToken(), details]);
  }).then(function (got) {
    var title = got[1] && got[1].details && got[1].details.title ? got[1].details.title : "";
    return fetch("/oversikt/teams/innlogging", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: got[0], meeting: inMeeting, title: title })
    });
  }).then(function (response) {
    return response.json().then(function (body) { return { ok: response.ok, body: body }; });
  }).then(function (answer) {
    if (answer.ok && answer.body.url) { window.location.replace(answer.body.url); return; }
    say(answer.body.feil || "Innloggingen virket ikke.");
  }).catch(function () {
    say("Teams kunne ikke logge deg inn her. Bruk lenken fra chatten i stedet.");
  });
})();
