/** A diagram element that could be what a text entity refers to, with its two evidence scores. */
export interface Candidate {
  elementId: string;
  elementType: string;
  position: number;
  semantic: number;
}
