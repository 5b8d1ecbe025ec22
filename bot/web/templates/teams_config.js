// The configurable tab's setup page: TeamsJS enables "Save" and names the tab's address. In a meeting
// (chat, details, side panel) the tab explains the meeting link; in a channel or chat, the personal one.
(function () {
  if (!window.microsoftTeams) { return; }
  microsoftTeams.app.initialize().then(function () {
    return microsoftTeams.app.getContext();
  }).then(function (context) {
    var kind = context && context.meeting && context.meeting.id ? "mote" : "kanal";
    var url = window.location.origin + "/oversikt/teams?kontekst=" + kind;
    microsoftTeams.pages.config.registerOnSaveHandler(function (saveEvent) {
      microsoftTeams.pages.config.setConfig({
        entityId: "oppfolging-oversikt",
        contentUrl: url,
        websiteUrl: url,
        suggestedDisplayName: "Oppfølging"
      }).then(function () { saveEvent.notifySuccess(); });
    });
    microsoftTeams.pages.config.setValidityState(true);
  });
})();
