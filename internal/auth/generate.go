package auth

// GeneratePassword returns a random password of AdminPasswordLen
// characters, for commands that create or reset an account and print the
// password once.
func GeneratePassword() string { return randomPassword(AdminPasswordLen) }
