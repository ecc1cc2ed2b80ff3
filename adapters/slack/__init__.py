"""The Slack adapter: slack-bolt's AsyncApp in, Block Kit and the Web API out."""
