// The texts of the scores and block means, added to the board's texts when this module loads.

export const TEXTS = {
  nl: {
    new_score: 'Score geven',
    score_by: 'Score van {author}{org}: {value}',
    score_none: 'nog geen score',
    score_of: '{value} van de 5',
    score_control: 'Score, 1 tot 5: pijltjes of de cijfers 1 tot 5',
    score_dot: 'Score {value}',
    block_mean: 'gemiddeld {mean} ({n})',
    block_mean_label: 'Gemiddelde score van dit blok: {mean}, uit {n} scores',
    block_mean_label_one: 'Gemiddelde score van dit blok: {mean}, uit 1 score',
    block_no_scores: 'nog geen scores'
  },
  en: {
    new_score: 'Add score',
    score_by: 'Score by {author}{org}: {value}',
    score_none: 'no score yet',
    score_of: '{value} of 5',
    score_control: 'Score, 1 to 5: arrow keys or the digits 1 to 5',
    score_dot: 'Score {value}',
    block_mean: 'mean {mean} ({n})',
    block_mean_label: 'Mean score of this block: {mean}, from {n} scores',
    block_mean_label_one: 'Mean score of this block: {mean}, from 1 score',
    block_no_scores: 'no scores yet'
  }
}
