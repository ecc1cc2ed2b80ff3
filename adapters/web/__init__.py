"""The moderators' web page (issue 13): `rebound web`, or mounted in the Slack HTTP process."""
