-- Ratings and reviews.  The movie's summary (rating_count, rating_sum,
-- star_counts in movies) counts visible ratings only and is changed in
-- the same transaction as each rating, by relative updates of the movie
-- row, so concurrent ratings leave it exact.
CREATE TABLE ratings (
    id             bigserial PRIMARY KEY,
    movie_id       bigint NOT NULL REFERENCES movies ON DELETE RESTRICT,
    user_id        bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    rating         int NOT NULL CHECK (rating BETWEEN 1 AND 5),
    review         text NOT NULL DEFAULT '' CHECK (length(review) <= 5000),
    helpful_count  int NOT NULL DEFAULT 0 CHECK (helpful_count >= 0),
    hidden_at      timestamptz,
    hidden_reason  text,
    hidden_by      bigint REFERENCES users,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (movie_id, user_id)
);
CREATE INDEX ratings_movie_new_idx ON ratings (movie_id, created_at DESC, id DESC)
    WHERE hidden_at IS NULL;
CREATE INDEX ratings_movie_helpful_idx ON ratings (movie_id, helpful_count DESC, id DESC)
    WHERE hidden_at IS NULL;

CREATE TABLE rating_votes (
    rating_id   bigint NOT NULL REFERENCES ratings ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rating_id, user_id)
);

CREATE FUNCTION rating_json(rid bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', r.id, 'movie_id', r.movie_id,
        'user', json_build_object('id', u.id, 'name', u.name),
        'rating', r.rating, 'review', r.review,
        'verified_viewer', EXISTS (SELECT 1 FROM bookings b
            JOIN showtimes s ON s.id = b.showtime_id
            WHERE b.user_id = r.user_id AND s.movie_id = r.movie_id
              AND b.status = 'confirmed' AND s.starts_at <= now()),
        'helpful_count', r.helpful_count,
        'created_at', rfc3339(r.created_at),
        'updated_at', rfc3339(r.updated_at))
    FROM ratings r JOIN users u ON u.id = r.user_id WHERE r.id = rid
$$;

CREATE FUNCTION movie_rating_json(mid bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'average', CASE WHEN rating_count = 0 THEN NULL
                        ELSE round(rating_sum::numeric / rating_count, 1) END,
        'count', rating_count,
        'distribution', json_build_object('1', star_counts[1], '2', star_counts[2],
            '3', star_counts[3], '4', star_counts[4], '5', star_counts[5]))
    FROM movies WHERE id = mid
$$;

-- Moves one rating in or out of its movie's summary (sign +1 or -1).
CREATE FUNCTION movie_rating_apply(mid bigint, stars int, sign int) RETURNS void
    LANGUAGE sql AS $$
    UPDATE movies SET rating_count = rating_count + sign,
        rating_sum = rating_sum + sign * stars,
        star_counts[stars] = star_counts[stars] + sign
    WHERE id = mid
$$;
