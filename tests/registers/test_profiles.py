from __future__ import annotations

import pytest

from council_social.registers.profiles import NotAProfile, profile_from_url


@pytest.mark.parametrize(("url", "expected"), [
    ("twitter.com/ManCityCouncil", ("x", "ManCityCouncil")),
    ("https://x.com/ManCityCouncil?lang=en", ("x", "ManCityCouncil")),
    ("https://mobile.twitter.com/@MCRGrow/", ("x", "MCRGrow")),
    ("www.facebook.com/adoptwithManchester", ("facebook", "adoptwithManchester")),
    ("facebook.com/pages/ask-little-bill-greater-manchester-energy-advice/817346941623178fref=ts",
     ("facebook", "817346941623178")),
    ("https://www.facebook.com/profile.php?id=100064", ("facebook", "100064")),
    ("facebook.com/groups/McrPhysicalDisabilities", ("facebook", "McrPhysicalDisabilities")),
    ("instagram.com/mcrparks/", ("instagram", "mcrparks")),
    ("foursquare.com/p/manchester- markets/81933763/home", ("foursquare", "81933763")),
    ("manchesterarchivesplus.wordpress.com", ("wordpress", "manchesterarchivesplus")),
    ("manchesterlitlist.blogspot.co.uk", ("blogger", "manchesterlitlist")),
    ("flickr.com/photos/manchester-city-council", ("flickr", "manchester-city-council")),
    ("www.linkedin.com/company/manchester-city-council", ("linkedin", "manchester-city-council")),
    ("youtube.com/@mancitycouncil", ("youtube", "mancitycouncil")),
])
def test_profile_links_become_platform_and_handle(url, expected):
    assert profile_from_url(url) == expected


@pytest.mark.parametrize("url", ["", "https://www.manchester.gov.uk/news", "twitter.com/", "facebook.com/pages/"])
def test_links_that_name_no_account_are_refused(url):
    with pytest.raises(NotAProfile):
        profile_from_url(url)
