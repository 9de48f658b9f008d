"""Files dropped into inbox folders by people: reading them the way a forgiving clerk would."""
