"""The screen shell: home dashboard, navigation, the login gate and error pages."""
