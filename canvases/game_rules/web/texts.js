// The texts of the rules, added to the board's texts when this module loads.

export const TEXTS = {
  nl: {
    new_rule: 'Nieuwe spelregel',
    rule_by: 'Spelregel ({level}) van {author}',
    rule_level: 'Niveau van de spelregel',
    rule_no_level: 'geen niveau'
  },
  en: {
    new_rule: 'New rule',
    rule_by: 'Rule ({level}) by {author}',
    rule_level: 'Level of the rule',
    rule_no_level: 'no level'
  }
}
