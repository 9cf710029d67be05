/** The parts of wink's BM25 engine and NLP helpers the relevance test uses (they ship no types). */
declare module 'wink-bm25-text-search' {
  type Task = (input: never) => unknown;
  interface Engine {
    defineConfig(config: {
      fldWeights: Record<string, number>;
      bm25Params?: { k1?: number; b?: number };
    }): boolean;
    definePrepTasks(tasks: Task[], field?: string): number;
    addDoc(doc: Record<string, string>, id: string): number;
    consolidate(precision?: number): boolean;
    search(text: string, limit?: number): [id: string, score: number][];
  }
  const bm25: () => Engine;
  export default bm25;
}

declare module 'wink-nlp-utils' {
  const nlp: {
    string: { lowerCase(text: string): string; tokenize0(text: string): string[] };
    tokens: { removeWords(tokens: string[]): string[]; stem(tokens: string[]): string[] };
  };
  export default nlp;
}
