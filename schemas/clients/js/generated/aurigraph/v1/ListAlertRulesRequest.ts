// Original file: ../../aurigraph/v1/alerts.proto


export interface ListAlertRulesRequest {
}

export interface ListAlertRulesRequest__Output {
}
