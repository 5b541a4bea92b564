/** A well-formed diagram answer (triangle ABC with its labels) as the vision LLMs are asked for. */
export const VISION_OK_JSON = {
  diagram_type: 'geometry',
  confidence: 0.9,
  regions: [
    { id: 'r1', type: 'text_line', bbox: [10, 10, 300, 30], confidence: 0.95 },
    { id: 'r2', type: 'diagram', bbox: [40, 60, 240, 200], confidence: 0.92 },
  ],
  elements: [
    { id: 'A', type: 'point', bbox: [58, 238, 4, 4], point: [60, 240], text: 'A', confidence: 0.9, region_id: 'r2' },
    { id: 'B', type: 'point', bbox: [258, 238, 4, 4], point: [260, 240], text: 'B', confidence: 0.9, region_id: 'r2' },
    { id: 'C', type: 'point', bbox: [158, 78, 4, 4], point: [160, 80], text: 'C', confidence: 0.9, region_id: 'r2' },
    { id: 's1', type: 'segment', bbox: [60, 240, 200, 0], endpoints: [[60, 240], [260, 240]], confidence: 0.88, region_id: 'r2' },
    { id: 's2', type: 'segment', bbox: [160, 80, 100, 160], endpoints: [[260, 240], [160, 80]], confidence: 0.88, region_id: 'r2' },
  ],
  relations: [
    { type: 'endpoint_of', from: 'A', to: 's1', confidence: 0.9 },
    { type: 'endpoint_of', from: 'B', to: 's1', confidence: 0.9 },
    { type: 'endpoint_of', from: 'C', to: 'missing', confidence: 0.9 },
  ],
};
