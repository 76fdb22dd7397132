-- In how many articles each entity is named, and how many articles there are.
SELECT entity_id, count(DISTINCT article_id) AS articles,
       (SELECT count(*) FROM articles) AS total
FROM mentions GROUP BY entity_id;
