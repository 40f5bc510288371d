// name: analysis/assessments
// title: Final absorptive-capacity assessments (confidential)
// description: Every final assessment: organisation, interview date, advisor,
//   instrument version, the four dimension scores and the overall score. Advisors'
//   interview data: confidential, for advisors and above (docs/assessments.md).
// params:
// mode: read
MATCH (a:Assessment)
WHERE a.status = 'final'
RETURN a.assessment_id AS assessment_id, a.orgnr AS orgnr, a.interview_date AS interview_date,
       a.advisor AS advisor, a.instrument_version AS instrument_version, a.status AS status,
       a.acquisition AS acquisition, a.assimilation AS assimilation, a.transformation AS transformation,
       a.exploitation AS exploitation, a.acap AS acap, a.synthetic AS synthetic
ORDER BY a.orgnr, a.interview_date, a.assessment_id
