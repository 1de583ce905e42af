-- A first taste of the catalog; safe to load again.
INSERT INTO genres (slug, name) VALUES
    ('drama', 'Drama'), ('comedy', 'Comedy'), ('thriller', 'Thriller'),
    ('sci-fi', 'Science fiction'), ('animation', 'Animation')
ON CONFLICT (slug) DO NOTHING;

INSERT INTO movies (slug, title, synopsis, duration_minutes, release_date, content_rating)
VALUES
    ('the-long-night', 'The Long Night', 'A lighthouse keeper waits out the longest night of the year.', 124, current_date - 10, 'PG-13'),
    ('paper-moons', 'Paper Moons', 'Two rival origami artists fall for the same impossible fold.', 98, current_date - 3, 'PG'),
    ('orbital', 'Orbital', 'A repair crew is stranded on a station that keeps changing its orbit.', 141, current_date + 12, 'PG-13')
ON CONFLICT (slug) DO NOTHING;

INSERT INTO movie_genres (movie_id, genre_id)
SELECT m.id, g.id FROM movies m, genres g
WHERE (m.slug, g.slug) IN (('the-long-night', 'drama'), ('the-long-night', 'thriller'),
                           ('paper-moons', 'comedy'), ('orbital', 'sci-fi'))
ON CONFLICT DO NOTHING;
