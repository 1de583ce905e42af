-- Demo catalog: genres, 24 movies with their cast, 6 theatres in five time
-- zones with their auditoriums and seats, and 14 days of showtimes.
--
-- Loaded by `marquee-admin demo` in one transaction (one multi-statement
-- string, no psql meta-commands).  Safe to load again: every statement only
-- adds what is missing, so a second load the same day adds nothing and a
-- load on a later day adds the showtimes for the new days.  Release dates
-- are relative to the day of the first load.
--
-- seats_sync() says "relation wanted_seats already exists" on each call.
SET LOCAL client_min_messages = warning;

INSERT INTO genres (slug, name) VALUES
    ('drama', 'Drama'),
    ('comedy', 'Comedy'),
    ('thriller', 'Thriller'),
    ('sci-fi', 'Sci-Fi'),
    ('animation', 'Animation'),
    ('horror', 'Horror'),
    ('romance', 'Romance'),
    ('action', 'Action'),
    ('documentary', 'Documentary'),
    ('family', 'Family')
ON CONFLICT (slug) DO NOTHING;

-- Movies.  rel = release date in days from today: about 18 now showing,
-- 6 coming soon.
INSERT INTO movies (slug, title, synopsis, duration_minutes, release_date,
                    content_rating, poster_url, trailer_url)
SELECT v.slug, v.title, v.synopsis, v.minutes, current_date + v.rel, v.rating,
       '/static/posters/' || v.slug || '.svg',
       'https://www.youtube-nocookie.com/embed/' || v.trailer
  FROM (VALUES
    ('the-long-night', 'The Long Night', -10::int, 124::int, 'PG-13', '6OMByxuHdtM',
     'On a storm-battered island off the coast of Newfoundland, lighthouse keeper Agnes Ward prepares to wait out the longest night of the year alone. Then an empty lifeboat drifts onto the rocks, and someone starts signalling back from the dark water. By dawn she must decide whom to trust: the stranger in her kitchen, or the light itself.'),
    ('paper-moons', 'Paper Moons', -3, 98, 'PG', 'rVLqcY2DSXw',
     'Two rival origami artists are booked into the same tiny gallery for the same week, and neither of them will fold first. As their installations grow more outrageous and the owner''s patience wears thin, they discover they are chasing the same impossible design. A gentle comedy about creasing, crumpling and starting over.'),
    ('orbital', 'Orbital', 12, 141, 'PG-13', 'whncci8vaHY',
     'A four-person repair crew docks with a research station that keeps sinking into a lower orbit, though its engines are cold and its logs say nobody has touched them in a year. As the atmosphere creeps closer, the crew must work out who, or what, is still steering. Every ninety minutes the station passes over home, and every pass is lower.'),
    ('saltwater-kings', 'Saltwater Kings', -21, 132, 'R', 'z9GvpGz36HE',
     'In a fading harbour town on the Gulf Coast, two estranged brothers inherit their father''s shrimp boat and every debt that came with it. To keep the boat they take one night job for the wrong people, and one job becomes a war over the water that neither brother can afford to lose.'),
    ('pip-and-the-cloud-factory', 'Pip and the Cloud Factory', -14, 92, 'G', '38XHz_Hmh0Q',
     'Pip is the smallest worker at the factory where every cloud in the sky is stitched by hand. When a rush order for the biggest thunderstorm in history goes wrong, Pip and a grumpy old raincloud named Drizzle set off across the sky to fix it before the whole world gets a sunburn.'),
    ('the-quiet-floor', 'The Quiet Floor', -6, 104, 'R', 'D24dil0oUhs',
     'Night nurse Sam Okoro takes a transfer to St. Brigid''s, a hospital whose sixth floor was closed in 1987. Every night at 3:12 a call button lights up on that floor. Sam''s first rule is to answer every call, and the sixth floor has waited a long time for someone who would.'),
    ('last-train-to-arden', 'Last Train to Arden', -33, 118, 'PG-13', 'qH9pPUaAjTY',
     'In the winter of 1962, a railway telegraph clerk and a travelling violinist share a compartment on the final run of a branch line about to close forever. Over one long night of delays, snowdrifts and confessions, they have until the end of the line to decide whether the journey is all they will ever have.'),
    ('static-bloom', 'Static Bloom', -2, 156, 'PG-13', 'gtvdZHAd0KY',
     'A century after the last harvest, botanist Talia Kaur finds a pattern growing in the static of a dead satellite network, a signal that behaves like something alive. Her search for its source takes her from the drowned archives of Lagos to a silent orbital garden, where she will learn whether Earth can bloom again.'),
    ('the-nine-lives-of-mrs-feather', 'The Nine Lives of Mrs. Feather', -40, 95, 'PG', 'l-OzxUNrUBY',
     'Retired stunt double Winifred Feather has survived eight spectacular near-misses and intends to enjoy her ninth life in peace. Then her grandchildren arrive for the summer, a film crew moves in next door, and a prize-winning cat goes missing on her watch. Winifred decides she has one more stunt in her.'),
    ('glass-harbor', 'Glass Harbor', -18, 112, 'R', 'oa31VEp8JXw',
     'Insurance investigator Nora Lindell is sent to close an easy claim: a yacht that sank in calm water off a private island. The owner''s family is charming, the staff are terrified, and the yacht''s last photographs show a passenger nobody will admit was aboard. The longer Nora stays, the clearer the water gets.'),
    ('voices-under-ice', 'Voices Under Ice', -25, 88, 'NR', '3FeWazDr5I0',
     'For one Antarctic winter, a team of acousticians lowers microphones through the sea ice to record the songs of Weddell seals and humpback whales. Narrated by the scientists themselves, this quiet and astonishing film listens to an ocean that has never stopped talking.'),
    ('redline-protocol', 'Redline Protocol', -9, 127, 'PG-13', 'aSb9EyhChAQ',
     'A disgraced rally driver is hired to deliver a car across four borders in forty hours, no questions asked. When she finds what is hidden in the chassis, the job becomes a race against the people who hired her and the agents trying to stop her.'),
    ('moth-hour', 'Moth Hour', -12, 97, 'R', 'TyGmSvF1sxQ',
     'Every summer the moths come to Pell''s Landing, and every summer the town keeps its lights off after midnight. June Calder has never believed the old rule, until her little brother leaves the porch light on. A folk horror tale of small towns, old bargains and the things that hunt by light.'),
    ('sunday-at-the-marigold', 'Sunday at the Marigold', -45, 109, 'PG-13', '3C_KerqclPE',
     'For forty years the Marigold has served the best Sunday thali in Pune, and its owner Lakshmi Rao has never missed a service. When she announces that this Sunday will be the last, her three grown children race home to save the restaurant, or at least to claim their share of the recipes.'),
    ('the-hollow-crown-heist', 'The Hollow Crown Heist', -28, 121, 'PG-13', 'nlqnwrMFJVA',
     'A crew of retired thieves reunites for one last job: stealing a royal crown that one of them forged thirty years ago. The trouble is that the fake has become more valuable than the original, and someone else wants it first. Expect double-crosses, triple-crosses and a very tense afternoon tea.'),
    ('the-cartographers-daughter', 'The Cartographer''s Daughter', -52, 143, 'PG', 'KBxJDj5vtQg',
     'In 1890s Lisbon, the daughter of a famous mapmaker secretly finishes her late father''s atlas, signing his name to every page. When a young naval officer arrives to verify a coastline that does not exist, she must choose between protecting her father''s legacy and claiming her own.'),
    ('tiny-giants', 'Tiny Giants', -7, 86, 'G', 'lRp7IfY3n1c',
     'Filmed with macro cameras over four seasons in a single English meadow, Tiny Giants follows ants, beetles, bees and spiders as if they were the heroes of an epic. Funny, tense and beautiful, it proves that the greatest adventures happen a few centimetres off the ground.'),
    ('ember-and-ash', 'Ember & Ash', -1, 101, 'PG', 'DNdo6WA3RuY',
     'Ember is a young dragon who cannot breathe fire; Ash is a blacksmith''s apprentice who cannot stop starting them. When the mountain forge that warms their valley goes cold, the unlikely pair journey into the heart of the volcano to relight it. A funny, fiery adventure about finding the spark you already have.'),
    ('kilometer-zero', 'Kilometer Zero', -16, 165, 'PG-13', 'GzqUfH6lEDE',
     'When the first space elevator is sabotaged on its opening day, a maintenance engineer trapped in a climber car has seven hours to reach the top before the cable snaps. Thirty-six thousand kilometres above her, the station crew is convinced she is the saboteur. An epic race straight up.'),
    ('the-wedding-algorithm', 'The Wedding Algorithm', 5, 103, 'PG-13', '8fs5OiB54qA',
     'A data scientist who built the world''s most successful matchmaking app has never been on a second date. When her own algorithm pairs her with the one man it rates as a two per cent match, she sets out to prove the code wrong. Which of them is the bug gets harder to say.'),
    ('nightjar', 'Nightjar', 19, 99, 'R', 'hm5BUsB3b-c',
     'A sound recordist hired to capture the call of a rare nightbird spends a week alone in a Welsh forest. On the third night her recordings pick up a second voice that mimics hers perfectly. By the sixth, it knows her name.'),
    ('brass-comet', 'Brass Comet', 26, 94, 'G', 'bjP9_PVAztk',
     'A clockwork robot built to polish telescopes spots a comet heading for her tiny observatory town, and no grown-up will listen. With a retired astronomer''s pigeon and a girl who can fix anything, she builds a rocket out of everything the town throws away.'),
    ('under-the-neon-monsoon', 'Under the Neon Monsoon', 33, 137, 'NR', 'zNG9U0Kg5Do',
     'Over one rain-soaked night in Mumbai, a taxi driver, a night-shift dispatcher and a missing heiress cross paths again and again. Each has a reason to reach the harbour before sunrise, and each is lying about why. A tense, glowing city thriller told in the rhythm of the monsoon.'),
    ('field-notes-from-mars', 'Field Notes from Mars', 40, 90, 'NR', 'XwpqxHzw_kA',
     'Six volunteers spend a year sealed inside a simulated Mars habitat on the slopes of a Hawaiian volcano, filming their own lives. Their video diaries, funny, tense and occasionally mutinous, reveal what it may really take to live on another planet.')
       ) AS v (slug, title, rel, minutes, rating, trailer, synopsis)
ON CONFLICT (slug) DO NOTHING;

-- Movies of an earlier, smaller demo load had no poster or trailer yet.
UPDATE movies SET poster_url = '/static/posters/' || slug || '.svg'
 WHERE slug IN ('the-long-night', 'paper-moons', 'orbital') AND poster_url IS NULL;
UPDATE movies SET trailer_url = 'https://www.youtube-nocookie.com/embed/' ||
       CASE slug WHEN 'the-long-night' THEN '6OMByxuHdtM'
                 WHEN 'paper-moons' THEN 'rVLqcY2DSXw'
                 ELSE 'whncci8vaHY' END
 WHERE slug IN ('the-long-night', 'paper-moons', 'orbital') AND trailer_url IS NULL;

-- Genres and cast go only to a movie that has none yet, so a movie edited
-- since (or one that merely shares a slug) is left as it is.
INSERT INTO movie_genres (movie_id, genre_id)
SELECT m.id, g.id
  FROM (VALUES
    ('the-long-night', 'drama'), ('the-long-night', 'thriller'),
    ('paper-moons', 'comedy'), ('paper-moons', 'romance'),
    ('orbital', 'sci-fi'), ('orbital', 'thriller'),
    ('saltwater-kings', 'action'), ('saltwater-kings', 'drama'),
    ('pip-and-the-cloud-factory', 'animation'), ('pip-and-the-cloud-factory', 'family'), ('pip-and-the-cloud-factory', 'comedy'),
    ('the-quiet-floor', 'horror'), ('the-quiet-floor', 'thriller'),
    ('last-train-to-arden', 'drama'), ('last-train-to-arden', 'romance'),
    ('static-bloom', 'sci-fi'), ('static-bloom', 'drama'),
    ('the-nine-lives-of-mrs-feather', 'comedy'), ('the-nine-lives-of-mrs-feather', 'family'),
    ('glass-harbor', 'thriller'),
    ('voices-under-ice', 'documentary'),
    ('redline-protocol', 'action'), ('redline-protocol', 'thriller'),
    ('moth-hour', 'horror'),
    ('sunday-at-the-marigold', 'drama'), ('sunday-at-the-marigold', 'comedy'),
    ('the-hollow-crown-heist', 'action'), ('the-hollow-crown-heist', 'comedy'),
    ('the-cartographers-daughter', 'drama'), ('the-cartographers-daughter', 'romance'),
    ('tiny-giants', 'documentary'), ('tiny-giants', 'family'),
    ('ember-and-ash', 'animation'), ('ember-and-ash', 'action'), ('ember-and-ash', 'family'),
    ('kilometer-zero', 'sci-fi'), ('kilometer-zero', 'action'),
    ('the-wedding-algorithm', 'romance'), ('the-wedding-algorithm', 'comedy'),
    ('nightjar', 'horror'), ('nightjar', 'thriller'),
    ('brass-comet', 'animation'), ('brass-comet', 'family'), ('brass-comet', 'sci-fi'),
    ('under-the-neon-monsoon', 'drama'), ('under-the-neon-monsoon', 'thriller'),
    ('field-notes-from-mars', 'documentary'), ('field-notes-from-mars', 'sci-fi')
       ) AS v (movie, genre)
  JOIN movies m ON m.slug = v.movie
  JOIN genres g ON g.slug = v.genre
 WHERE NOT EXISTS (SELECT 1 FROM movie_genres x WHERE x.movie_id = m.id)
ON CONFLICT DO NOTHING;

INSERT INTO people (name) VALUES
    ('Adaeze Okafor'), ('Anouk Verhaegen'), ('Ansel Thorne'),
    ('Arjun Mehra-Sloan'), ('Bastian Crowe'), ('Callum Reyes'),
    ('Cleo Varga'), ('Dashiell Moss'), ('Dev Raman'), ('Elodie Strand'),
    ('Ezra Blackwood'), ('Felix Amadi'), ('Greta Lindqvist'), ('Hana Kuroe'),
    ('Iris Vantongeren'), ('Jonah Pike'), ('Juniper Hale'),
    ('Kofi Mensah-Reed'), ('Lena Marchetti'), ('Leopold Grange'),
    ('Mara Ellison'), ('Marcus Delacroix'), ('Mateo Ilves'),
    ('Meera Iyengar'), ('Nadia Farrow'), ('Nikhil Desai-Rowe'),
    ('Owen Tilbury'), ('Poppy Fairweather'), ('Priya Castellan'),
    ('Quinn Harrow'), ('Rafael Moreno-Lind'), ('Ravi Kashyap'),
    ('Rosalind Chu'), ('Sol Ashby'), ('Suri Balakrishnan'),
    ('Tamsin Holloway'), ('Theo Quint'), ('Vivian Okonkwo'),
    ('Wren Abernathy')
ON CONFLICT (name) DO NOTHING;

INSERT INTO movie_cast (movie_id, position, person_id, role)
SELECT m.id, v.pos, p.id, v.role
  FROM (VALUES
    ('the-long-night', 1::int, 'Mara Ellison', 'Agnes Ward'),
    ('the-long-night', 2, 'Theo Quint', 'The Stranger'),
    ('the-long-night', 3, 'Owen Tilbury', 'Harbourmaster Lyle'),
    ('the-long-night', 4, 'Nadia Farrow', 'Ruth Ward'),

    ('paper-moons', 1, 'Juniper Hale', 'Ines Aoki'),
    ('paper-moons', 2, 'Callum Reyes', 'Walt Brennan'),
    ('paper-moons', 3, 'Priya Castellan', 'Delphine'),
    ('paper-moons', 4, 'Jonah Pike', 'Oscar'),

    ('orbital', 1, 'Adaeze Okafor', 'Commander Ife Adeyemi'),
    ('orbital', 2, 'Bastian Crowe', 'Nils Haugen'),
    ('orbital', 3, 'Hana Kuroe', 'Dr. Mei Sato'),
    ('orbital', 4, 'Theo Quint', 'Grady Voss'),

    ('saltwater-kings', 1, 'Marcus Delacroix', 'Royce Thibodeaux'),
    ('saltwater-kings', 2, 'Rafael Moreno-Lind', 'Eli Thibodeaux'),
    ('saltwater-kings', 3, 'Tamsin Holloway', 'Sheriff Dana Kell'),
    ('saltwater-kings', 4, 'Dashiell Moss', 'Coyle'),
    ('saltwater-kings', 5, 'Lena Marchetti', 'Marie Roux'),

    ('pip-and-the-cloud-factory', 1, 'Poppy Fairweather', 'Pip (voice)'),
    ('pip-and-the-cloud-factory', 2, 'Leopold Grange', 'Drizzle (voice)'),
    ('pip-and-the-cloud-factory', 3, 'Kofi Mensah-Reed', 'Foreman Cumulus (voice)'),
    ('pip-and-the-cloud-factory', 4, 'Juniper Hale', 'Breeze (voice)'),

    ('the-quiet-floor', 1, 'Vivian Okonkwo', 'Sam Okoro'),
    ('the-quiet-floor', 2, 'Ezra Blackwood', 'Dr. Hollis Grey'),
    ('the-quiet-floor', 3, 'Greta Lindqvist', 'Matron Ilse Varn'),
    ('the-quiet-floor', 4, 'Felix Amadi', 'Danny'),

    ('last-train-to-arden', 1, 'Elodie Strand', 'Clara Wynn'),
    ('last-train-to-arden', 2, 'Ansel Thorne', 'Thomas Abel'),
    ('last-train-to-arden', 3, 'Owen Tilbury', 'Conductor Hobbs'),
    ('last-train-to-arden', 4, 'Rosalind Chu', 'Mrs. Laing'),

    ('static-bloom', 1, 'Meera Iyengar', 'Dr. Talia Kaur'),
    ('static-bloom', 2, 'Bastian Crowe', 'Idris Vale'),
    ('static-bloom', 3, 'Cleo Varga', 'ARIA (voice)'),
    ('static-bloom', 4, 'Kofi Mensah-Reed', 'Elder Osei'),
    ('static-bloom', 5, 'Mara Ellison', 'Commander Jun Park'),

    ('the-nine-lives-of-mrs-feather', 1, 'Rosalind Chu', 'Winifred Feather'),
    ('the-nine-lives-of-mrs-feather', 2, 'Quinn Harrow', 'Ada'),
    ('the-nine-lives-of-mrs-feather', 3, 'Mateo Ilves', 'Benji'),
    ('the-nine-lives-of-mrs-feather', 4, 'Leopold Grange', 'Mr. Pembury'),
    ('the-nine-lives-of-mrs-feather', 5, 'Dashiell Moss', 'Kurt Vale'),

    ('glass-harbor', 1, 'Tamsin Holloway', 'Nora Lindell'),
    ('glass-harbor', 2, 'Marcus Delacroix', 'Julian Ashcombe'),
    ('glass-harbor', 3, 'Iris Vantongeren', 'Celeste Ashcombe'),
    ('glass-harbor', 4, 'Felix Amadi', 'Tomas'),

    ('voices-under-ice', 1, 'Greta Lindqvist', 'Herself, narrator'),
    ('voices-under-ice', 2, 'Dev Raman', 'Himself'),
    ('voices-under-ice', 3, 'Anouk Verhaegen', 'Herself'),

    ('redline-protocol', 1, 'Lena Marchetti', 'Sasha Vrana'),
    ('redline-protocol', 2, 'Callum Reyes', 'Agent Mark Dunmore'),
    ('redline-protocol', 3, 'Arjun Mehra-Sloan', 'Kiran'),
    ('redline-protocol', 4, 'Ezra Blackwood', 'The Broker'),

    ('moth-hour', 1, 'Quinn Harrow', 'June Calder'),
    ('moth-hour', 2, 'Mateo Ilves', 'Toby Calder'),
    ('moth-hour', 3, 'Ezra Blackwood', 'Reverend Amos Pell'),
    ('moth-hour', 4, 'Nadia Farrow', 'Ellen Calder'),

    ('sunday-at-the-marigold', 1, 'Suri Balakrishnan', 'Lakshmi Rao'),
    ('sunday-at-the-marigold', 2, 'Ravi Kashyap', 'Anand Rao'),
    ('sunday-at-the-marigold', 3, 'Meera Iyengar', 'Devika Rao'),
    ('sunday-at-the-marigold', 4, 'Nikhil Desai-Rowe', 'Kabir Rao'),
    ('sunday-at-the-marigold', 5, 'Dev Raman', 'Uncle Gopal'),

    ('the-hollow-crown-heist', 1, 'Marcus Delacroix', 'Victor Sable'),
    ('the-hollow-crown-heist', 2, 'Iris Vantongeren', 'Margot Fenn'),
    ('the-hollow-crown-heist', 3, 'Kofi Mensah-Reed', 'Bertie Lamb'),
    ('the-hollow-crown-heist', 4, 'Poppy Fairweather', 'Inspector Jess Radley'),
    ('the-hollow-crown-heist', 5, 'Jonah Pike', 'Teddy Dunn'),

    ('the-cartographers-daughter', 1, 'Elodie Strand', 'Beatriz Almeida'),
    ('the-cartographers-daughter', 2, 'Rafael Moreno-Lind', 'Lt. Henrique Sousa'),
    ('the-cartographers-daughter', 3, 'Anouk Verhaegen', 'Dona Isabel'),
    ('the-cartographers-daughter', 4, 'Ansel Thorne', 'Mr. Hartwell'),

    ('tiny-giants', 1, 'Nadia Farrow', 'Narrator'),
    ('tiny-giants', 2, 'Wren Abernathy', 'Herself, entomologist'),
    ('tiny-giants', 3, 'Sol Ashby', 'Himself, cinematographer'),

    ('ember-and-ash', 1, 'Quinn Harrow', 'Ember (voice)'),
    ('ember-and-ash', 2, 'Jonah Pike', 'Ash (voice)'),
    ('ember-and-ash', 3, 'Suri Balakrishnan', 'Grandmother Cinder (voice)'),
    ('ember-and-ash', 4, 'Leopold Grange', 'King Flint (voice)'),

    ('kilometer-zero', 1, 'Cleo Varga', 'Teodora Lind'),
    ('kilometer-zero', 2, 'Sol Ashby', 'Director Aaron Kessler'),
    ('kilometer-zero', 3, 'Nikhil Desai-Rowe', 'Dr. Ram Iyer'),
    ('kilometer-zero', 4, 'Hana Kuroe', 'Captain Yuki Mori'),
    ('kilometer-zero', 5, 'Theo Quint', 'Marshal Reddick'),

    ('the-wedding-algorithm', 1, 'Priya Castellan', 'Maya Lin'),
    ('the-wedding-algorithm', 2, 'Callum Reyes', 'Sam Ortega'),
    ('the-wedding-algorithm', 3, 'Rosalind Chu', 'Grandma Lin'),
    ('the-wedding-algorithm', 4, 'Arjun Mehra-Sloan', 'Dev Bhatt'),

    ('nightjar', 1, 'Iris Vantongeren', 'Helen Marsh'),
    ('nightjar', 2, 'Owen Tilbury', 'Gethin Pryce'),
    ('nightjar', 3, 'Felix Amadi', 'Tom Marsh'),

    ('brass-comet', 1, 'Poppy Fairweather', 'Cog (voice)'),
    ('brass-comet', 2, 'Mateo Ilves', 'Nell (voice)'),
    ('brass-comet', 3, 'Kofi Mensah-Reed', 'Professor Ambrose (voice)'),
    ('brass-comet', 4, 'Ravi Kashyap', 'Pidge (voice)'),

    ('under-the-neon-monsoon', 1, 'Ravi Kashyap', 'Salim Qureshi'),
    ('under-the-neon-monsoon', 2, 'Meera Iyengar', 'Anjali Sen'),
    ('under-the-neon-monsoon', 3, 'Nikhil Desai-Rowe', 'Inspector Rane'),
    ('under-the-neon-monsoon', 4, 'Suri Balakrishnan', 'Mrs. Bhatia'),

    ('field-notes-from-mars', 1, 'Dev Raman', 'Himself'),
    ('field-notes-from-mars', 2, 'Anouk Verhaegen', 'Herself'),
    ('field-notes-from-mars', 3, 'Sol Ashby', 'Himself'),
    ('field-notes-from-mars', 4, 'Wren Abernathy', 'Narrator')
       ) AS v (movie, pos, person, role)
  JOIN movies m ON m.slug = v.movie
  JOIN people p ON p.name = v.person
 WHERE NOT EXISTS (SELECT 1 FROM movie_cast x WHERE x.movie_id = m.id)
ON CONFLICT DO NOTHING;

-- Full-text search over title, cast and synopsis.
SELECT count(movie_search_refresh(id)) FROM movies
 WHERE slug IN ('the-long-night', 'paper-moons', 'orbital',
                'saltwater-kings', 'pip-and-the-cloud-factory', 'the-quiet-floor',
                'last-train-to-arden', 'static-bloom', 'the-nine-lives-of-mrs-feather',
                'glass-harbor', 'voices-under-ice', 'redline-protocol',
                'moth-hour', 'sunday-at-the-marigold', 'the-hollow-crown-heist',
                'the-cartographers-daughter', 'tiny-giants', 'ember-and-ash',
                'kilometer-zero', 'the-wedding-algorithm', 'nightjar',
                'brass-comet', 'under-the-neon-monsoon', 'field-notes-from-mars');

-- Theatres, one per time zone plus a second in New York.
INSERT INTO theatres (slug, name, city, address, timezone) VALUES
    ('marquee-times-square', 'Marquee Times Square', 'New York',
     '229 West 42nd Street, New York, NY 10036', 'America/New_York'),
    ('marquee-downtown-brooklyn', 'Marquee Downtown Brooklyn', 'New York',
     '445 Albee Square West, Brooklyn, NY 11201', 'America/New_York'),
    ('marquee-state-street', 'Marquee State Street', 'Chicago',
     '318 South State Street, Chicago, IL 60604', 'America/Chicago'),
    ('marquee-hollywood', 'Marquee Hollywood', 'Los Angeles',
     '6925 Sunset Boulevard, Los Angeles, CA 90028', 'America/Los_Angeles'),
    ('marquee-bandra', 'Marquee Bandra', 'Mumbai',
     '147 Linking Road, Bandra West, Mumbai, Maharashtra 400050', 'Asia/Kolkata'),
    ('marquee-leicester-square', 'Marquee Leicester Square', 'London',
     '26 Leicester Square, London WC2H 7LE', 'Europe/London')
ON CONFLICT (slug) DO NOTHING;

-- Auditoriums: front row first; s standard, p premium, w wheelchair space,
-- c companion seat, . aisle or gap.  Capacity is set by seats_sync().
INSERT INTO auditoriums (theatre_id, name, layout, capacity)
SELECT t.id, v.name, v.layout, 1
  FROM (VALUES
    ('marquee-times-square', '1', ARRAY[
       '.scw.ssssssssssss.wcs.',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'pppp.pppppppppppp.pppp',
       'pppp.pppppppppppp.pppp',
       'ppcw.pppppppppppp.wcpp']::text[]),
    ('marquee-times-square', '2', ARRAY[
       '.cw.ssssssssss.wc.',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'ppp.pppppppppp.ppp',
       'ppp.pppppppppp.ppp']),
    ('marquee-times-square', '3', ARRAY[
       'sss.ssssssss.sss',
       'sss.ssssssss.sss',
       'sss.ssssssss.sss',
       'sss.ssssssss.sss',
       'sss.ssssssss.sss',
       'sss.ssssssss.sss',
       'pcw.pppppppp.wcp']),
    ('marquee-times-square', '4', ARRAY[
       'ssssss.ssssss',
       'ssssss.ssssss',
       'ssssss.ssssss',
       'ssssss.ssssss',
       'ssssss.ssssss',
       'ssssss.ssssss',
       'ssssss.ssssss',
       'ppppcw.wcpppp']),
    ('marquee-times-square', 'IMAX', ARRAY[
       '..cw.ssssssssssssss.wc..',
       '.sss.ssssssssssssss.sss.',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'pppp.pppppppppppppp.pppp',
       'pppp.pppppppppppppp.pppp',
       'pppp.pppppppppppppp.pppp',
       'ppcw.pppppppppppppp.wcpp']),
    ('marquee-downtown-brooklyn', '1', ARRAY[
       '.scw.sssssssssss.wcs.',
       'ssss.sssssssssss.ssss',
       'ssss.sssssssssss.ssss',
       'ssss.sssssssssss.ssss',
       'ssss.sssssssssss.ssss',
       'ssss.sssssssssss.ssss',
       'ssss.sssssssssss.ssss',
       'ssss.sssssssssss.ssss',
       'ssss.sssssssssss.ssss',
       'pppp.ppppppppppp.pppp',
       'ppcw.ppppppppppp.wcpp']),
    ('marquee-downtown-brooklyn', '2', ARRAY[
       'ssscw.wcsssss',
       'sssss.sssssss',
       'sssss.sssssss',
       'sssss.sssssss',
       'sssss.sssssss',
       'sssss.sssssss',
       'sssss.sssssss',
       'ppppp.ppppppp']),
    ('marquee-downtown-brooklyn', '3', ARRAY[
       'ss.ssssssss.ss',
       'ss.ssssssss.ss',
       'ss.ssssssss.ss',
       'ss.ssssssss.ss',
       'ss.ssssssss.ss',
       'cw.pppppppp.wc']),
    ('marquee-downtown-brooklyn', '4', ARRAY[
       '.cw.ssssssssss.wc.',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'ppp.pppppppppp.ppp',
       'ppp.pppppppppp.ppp']),
    ('marquee-state-street', '1', ARRAY[
       '..scw.sssssssssss.wcs..',
       '.ssss.sssssssssss.ssss.',
       'sssss.sssssssssss.sssss',
       'sssss.sssssssssss.sssss',
       'sssss.sssssssssss.sssss',
       'sssss.sssssssssss.sssss',
       'sssss.sssssssssss.sssss',
       'sssss.sssssssssss.sssss',
       'sssss.sssssssssss.sssss',
       'ppppp.ppppppppppp.ppppp',
       'ppppp.ppppppppppp.ppppp',
       'pppcw.ppppppppppp.wcppp']),
    ('marquee-state-street', '2', ARRAY[
       '.sss.sssssssss.sss.',
       'ssss.sssssssss.ssss',
       'ssss.sssssssss.ssss',
       'ssss.sssssssss.ssss',
       'ssss.sssssssss.ssss',
       'ssss.sssssssss.ssss',
       'ssss.sssssssss.ssss',
       'ssss.sssssssss.ssss',
       'pppp.ppppppppp.pppp',
       'ppcw.ppppppppp.wcpp']),
    ('marquee-state-street', '3', ARRAY[
       'cw.sssssssss.wc',
       'ss.sssssssss.ss',
       'ss.sssssssss.ss',
       'ss.sssssssss.ss',
       'ss.sssssssss.ss',
       'ss.sssssssss.ss',
       'pp.ppppppppp.pp']),
    ('marquee-state-street', 'IMAX', ARRAY[
       '..cw.ssssssssssssss.wc..',
       '.sss.ssssssssssssss.sss.',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'pppp.pppppppppppppp.pppp',
       'pppp.pppppppppppppp.pppp',
       'ppcw.pppppppppppppp.wcpp']),
    ('marquee-hollywood', '1', ARRAY[
       '.scw.ssssssssssss.wcs.',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'ssss.ssssssssssss.ssss',
       'pppp.pppppppppppp.pppp',
       'ppcw.pppppppppppp.wcpp']),
    ('marquee-hollywood', '2', ARRAY[
       'sssssss.sssssss',
       'sssssss.sssssss',
       'sssssss.sssssss',
       'sssssss.sssssss',
       'sssssss.sssssss',
       'sssssss.sssssss',
       'sssssss.sssssss',
       'ppppppp.ppppppp',
       'pppppcw.wcppppp']),
    ('marquee-hollywood', '3', ARRAY[
       'scw.ssssssss.wcs',
       'sss.ssssssss.sss',
       'sss.ssssssss.sss',
       'sss.ssssssss.sss',
       'sss.ssssssss.sss',
       'sss.ssssssss.sss',
       'sss.ssssssss.sss',
       'ppp.pppppppp.ppp']),
    ('marquee-hollywood', '4', ARRAY[
       'sssss.sssssss',
       'sssss.sssssss',
       'sssss.sssssss',
       'sssss.sssssss',
       'sssss.sssssss',
       'pppcw.wcppppp']),
    ('marquee-hollywood', 'IMAX', ARRAY[
       '..cw.ssssssssssssss.wc..',
       '.sss.ssssssssssssss.sss.',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'pppp.pppppppppppppp.pppp',
       'pppp.pppppppppppppp.pppp',
       'pppp.pppppppppppppp.pppp',
       'ppcw.pppppppppppppp.wcpp']),
    ('marquee-bandra', 'Audi 1', ARRAY[
       '..scw.ssssssssssss.wcs..',
       '.ssss.ssssssssssss.ssss.',
       'sssss.ssssssssssss.sssss',
       'sssss.ssssssssssss.sssss',
       'sssss.ssssssssssss.sssss',
       'sssss.ssssssssssss.sssss',
       'sssss.ssssssssssss.sssss',
       'sssss.ssssssssssss.sssss',
       'ppppp.pppppppppppp.ppppp',
       'ppppp.pppppppppppp.ppppp',
       'ppppp.pppppppppppp.ppppp',
       'ppppp.pppppppppppp.ppppp']),
    ('marquee-bandra', 'Audi 2', ARRAY[
       '.sss.ssssssssss.sss.',
       'ssss.ssssssssss.ssss',
       'ssss.ssssssssss.ssss',
       'ssss.ssssssssss.ssss',
       'ssss.ssssssssss.ssss',
       'ssss.ssssssssss.ssss',
       'ssss.ssssssssss.ssss',
       'pppp.pppppppppp.pppp',
       'pppp.pppppppppp.pppp',
       'ppcw.pppppppppp.wcpp']),
    ('marquee-bandra', 'Audi 3', ARRAY[
       'sscw.wcssssss',
       'ssss.ssssssss',
       'ssss.ssssssss',
       'ssss.ssssssss',
       'ssss.ssssssss',
       'pppp.pppppppp',
       'pppp.pppppppp']),
    ('marquee-bandra', 'IMAX', ARRAY[
       '..cw.ssssssssssssss.wc..',
       '.sss.ssssssssssssss.sss.',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'ssss.ssssssssssssss.ssss',
       'pppp.pppppppppppppp.pppp',
       'pppp.pppppppppppppp.pppp',
       'pppp.pppppppppppppp.pppp',
       'ppcw.pppppppppppppp.wcpp']),
    ('marquee-leicester-square', 'Screen 1', ARRAY[
       '.scw.sssssssssssss.wcs.',
       'ssss.sssssssssssss.ssss',
       'ssss.sssssssssssss.ssss',
       'ssss.sssssssssssss.ssss',
       'ssss.sssssssssssss.ssss',
       'ssss.sssssssssssss.ssss',
       'ssss.sssssssssssss.ssss',
       'ssss.sssssssssssss.ssss',
       'ssss.sssssssssssss.ssss',
       'pppp.ppppppppppppp.pppp',
       'pppp.ppppppppppppp.pppp',
       'ppcw.ppppppppppppp.wcpp']),
    ('marquee-leicester-square', 'Screen 2', ARRAY[
       '.cw.ssssssssss.wc.',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'sss.ssssssssss.sss',
       'ppp.pppppppppp.ppp',
       'ppp.pppppppppp.ppp']),
    ('marquee-leicester-square', 'Screen 3', ARRAY[
       'ss.ssssssssss.ss',
       'ss.ssssssssss.ss',
       'ss.ssssssssss.ss',
       'ss.ssssssssss.ss',
       'ss.ssssssssss.ss',
       'ss.ssssssssss.ss',
       'cw.pppppppppp.wc']),
    ('marquee-leicester-square', 'Screen 4', ARRAY[
       'sssscw.wcssss',
       'ssssss.ssssss',
       'ssssss.ssssss',
       'ssssss.ssssss',
       'ssssss.ssssss',
       'ssssss.ssssss',
       'ssssss.ssssss',
       'pppppp.pppppp'])
       ) AS v (theatre, name, layout)
  JOIN theatres t ON t.slug = v.theatre AND t.deleted_at IS NULL
ON CONFLICT (theatre_id, lower(name)) WHERE deleted_at IS NULL DO NOTHING;

-- Seats for every demo auditorium that has none yet.
SELECT count(seats_sync(a.id))
  FROM auditoriums a JOIN theatres t ON t.id = a.theatre_id
 WHERE t.slug IN ('marquee-times-square', 'marquee-downtown-brooklyn',
                  'marquee-state-street', 'marquee-hollywood',
                  'marquee-bandra', 'marquee-leicester-square')
   AND a.deleted_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM seats s
                    WHERE s.auditorium_id = a.id AND s.retired_at IS NULL);

-- Showtimes: 14 days from each theatre's local today, at fixed local times
-- per auditorium (a schedule), so a later load finds the same slots.  Each
-- slot has a longest movie that still ends (with 15 minutes of cleaning)
-- before the next slot starts, so the new showtimes never overlap each
-- other; a slot that is past, already has a showtime, or would overlap a
-- scheduled one (say, added by an admin) is skipped.  The movie of a slot is
-- picked by a hash of theatre, auditorium, day and slot pair among the demo
-- movies released by that day (IMAX prefers spectacle).  Local time to
-- timestamptz via AT TIME ZONE, so daylight saving time is right.
WITH sched (name, n, local_start, max_minutes) AS (
    VALUES
        ('a', 1::int, '11:00'::time, 180), ('a', 2, '14:15', 180), ('a', 3, '17:30', 180), ('a', 4, '20:45', 165),
        ('b', 1, '10:30', 135), ('b', 2, '13:00', 135), ('b', 3, '15:30', 135), ('b', 4, '18:00', 135), ('b', 5, '20:30', 165),
        ('c', 1, '12:00', 195), ('c', 2, '15:30', 180), ('c', 3, '19:00', 180), ('c', 4, '22:15', 165),
        ('d', 1, '10:45', 135), ('d', 2, '13:15', 135), ('d', 3, '15:45', 135), ('d', 4, '18:15', 135), ('d', 5, '20:45', 165),
        ('e', 1, '12:30', 210), ('e', 2, '16:15', 210), ('e', 3, '20:00', 165),
        ('imax', 1, '12:15', 210), ('imax', 2, '16:00', 210), ('imax', 3, '19:45', 165)
), aud (theatre, name, sched, base_cents) AS (
    VALUES
        ('marquee-times-square', '1', 'e', 1700),
        ('marquee-times-square', '2', 'a', 1700),
        ('marquee-times-square', '3', 'd', 1700),
        ('marquee-times-square', '4', 'b', 1700),
        ('marquee-times-square', 'IMAX', 'imax', 1700),
        ('marquee-downtown-brooklyn', '1', 'e', 1500),
        ('marquee-downtown-brooklyn', '2', 'b', 1500),
        ('marquee-downtown-brooklyn', '3', 'd', 1500),
        ('marquee-downtown-brooklyn', '4', 'a', 1500),
        ('marquee-state-street', '1', 'e', 1400),
        ('marquee-state-street', '2', 'a', 1400),
        ('marquee-state-street', '3', 'b', 1400),
        ('marquee-state-street', 'IMAX', 'imax', 1400),
        ('marquee-hollywood', '1', 'e', 1600),
        ('marquee-hollywood', '2', 'c', 1600),
        ('marquee-hollywood', '3', 'd', 1600),
        ('marquee-hollywood', '4', 'b', 1600),
        ('marquee-hollywood', 'IMAX', 'imax', 1600),
        ('marquee-bandra', 'Audi 1', 'e', 900),
        ('marquee-bandra', 'Audi 2', 'a', 900),
        ('marquee-bandra', 'Audi 3', 'd', 900),
        ('marquee-bandra', 'IMAX', 'imax', 900),
        ('marquee-leicester-square', 'Screen 1', 'e', 1500),
        ('marquee-leicester-square', 'Screen 2', 'a', 1500),
        ('marquee-leicester-square', 'Screen 3', 'd', 1500),
        ('marquee-leicester-square', 'Screen 4', 'b', 1500)
), slot AS (
    SELECT a.id AS auditorium_id, t.slug AS theatre, a.name AS auditorium,
           t.city, v.sched, v.base_cents, s.n, s.local_start, s.max_minutes,
           d.day, ((d.day + s.local_start) AT TIME ZONE t.timezone) AS starts_at
      FROM aud v
      JOIN theatres t ON t.slug = v.theatre AND t.deleted_at IS NULL
      JOIN auditoriums a ON a.theatre_id = t.id AND lower(a.name) = lower(v.name)
                        AND a.deleted_at IS NULL
      JOIN sched s ON s.name = v.sched
     CROSS JOIN LATERAL (
           SELECT (now() AT TIME ZONE t.timezone)::date + k AS day
             FROM generate_series(0, 13) AS k) d
), pick AS (
    SELECT s.*, m.id AS movie_id,
           s.starts_at + make_interval(mins => m.duration_minutes + 15) AS ends_at,
           m.spectacle, m.family,
           get_byte(decode(md5(s.theatre || '/' || s.auditorium || '/' ||
                               to_char(s.day, 'YYYYMMDD') || '/' || s.n), 'hex'), 0) AS dice
      FROM slot s
     CROSS JOIN LATERAL (
           SELECT m.id, m.duration_minutes,
                  EXISTS (SELECT 1 FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
                           WHERE mg.movie_id = m.id
                             AND g.slug IN ('sci-fi', 'action', 'animation')) AS spectacle,
                  EXISTS (SELECT 1 FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
                           WHERE mg.movie_id = m.id
                             AND g.slug IN ('family', 'animation')) AS family
             FROM movies m
            WHERE m.slug IN ('the-long-night', 'paper-moons', 'orbital',
                             'saltwater-kings', 'pip-and-the-cloud-factory', 'the-quiet-floor',
                             'last-train-to-arden', 'static-bloom', 'the-nine-lives-of-mrs-feather',
                             'glass-harbor', 'voices-under-ice', 'redline-protocol',
                             'moth-hour', 'sunday-at-the-marigold', 'the-hollow-crown-heist',
                             'the-cartographers-daughter', 'tiny-giants', 'ember-and-ash',
                             'kilometer-zero', 'the-wedding-algorithm', 'nightjar',
                             'brass-comet', 'under-the-neon-monsoon', 'field-notes-from-mars')
              AND m.deleted_at IS NULL
              AND m.release_date <= s.day
              AND m.duration_minutes <= s.max_minutes
            ORDER BY s.sched = 'imax' AND NOT EXISTS (
                         SELECT 1 FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
                          WHERE mg.movie_id = m.id
                            AND g.slug IN ('sci-fi', 'action', 'animation', 'documentary')),
                     md5(s.theatre || '/' || s.auditorium || '/' || to_char(s.day, 'YYYYMMDD') ||
                         '/' || (s.n + 1) / 2 || '/' || m.slug)
            LIMIT 1) m
     WHERE s.starts_at > now()
)
INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at, format,
                       language, base_price_cents)
SELECT p.movie_id, p.auditorium_id, p.starts_at, p.ends_at, f.format,
       CASE WHEN p.city = 'Mumbai' AND p.dice % 3 = 0 THEN 'Hindi'
            WHEN p.city = 'Los Angeles' AND p.family AND p.dice % 3 = 1 THEN 'Spanish'
            ELSE 'English' END,
       greatest(900, least(2400,
           p.base_cents
           + CASE WHEN p.local_start < '13:00' THEN -200
                  WHEN p.local_start >= '17:00' THEN 200 ELSE 0 END
           + CASE f.format WHEN 'IMAX' THEN 500 WHEN '3D' THEN 300 ELSE 0 END))
  FROM pick p
 CROSS JOIN LATERAL (
       SELECT CASE WHEN p.sched = 'imax' THEN 'IMAX'
                   WHEN p.spectacle AND p.dice % 5 < 2 THEN '3D'
                   ELSE '2D' END AS format) f
 WHERE NOT EXISTS (SELECT 1 FROM showtimes x
                    WHERE x.auditorium_id = p.auditorium_id
                      AND x.starts_at = p.starts_at)
   AND NOT EXISTS (SELECT 1 FROM showtimes x
                    WHERE x.auditorium_id = p.auditorium_id
                      AND x.status = 'scheduled'
                      AND tstzrange(x.starts_at, x.ends_at) &&
                          tstzrange(p.starts_at, p.ends_at))
 ORDER BY p.starts_at, p.auditorium_id;
