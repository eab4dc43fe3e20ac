// Original file: ../../aurigraph/v1/performance.proto


export interface GetCurrentPerformanceRequest {
}

export interface GetCurrentPerformanceRequest__Output {
}
