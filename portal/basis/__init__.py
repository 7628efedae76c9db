"""政策依据: each rule of the user's profile, its value, its document and article, the excerpt."""
