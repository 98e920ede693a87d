"""The Staff screen: accounts, what each role may do, and the logged-in account's own password, PIN and two-factor."""
