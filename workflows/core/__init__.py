"""What every domain shares: settings, periods, money, working hours, access, audit, outbox, leases, people, errors."""
