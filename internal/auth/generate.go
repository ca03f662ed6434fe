package auth

// GeneratePassword returns a random 20-character password, for commands
// that create or reset an account and print the password once.
func GeneratePassword() string { return randomPassword(20) }
