// Column and field names that usually hold the text or the gold label, in order of preference.
export const TEXT_FIELDS = ['text', 'sentence', 'review', 'content', 'comment', 'body', 'document', 'tweet', 'message', 'sentence1'];
export const LABEL_FIELDS = ['label', 'labels', 'target', 'class', 'sentiment', 'category', 'y'];
