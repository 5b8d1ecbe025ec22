"""What every feature uses: context, command and form registry, replies, errors, permissions, audit,
administrators, the clock, text helpers and the text catalogue."""
